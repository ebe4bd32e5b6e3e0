//! The IDX reader and the Fashion-MNIST loader (`lowp::nn::idx`).
#![cfg(feature = "data")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};

use lowp::nn::idx::{read_idx, read_idx_from, Dataset, Idx, Split, FASHION_MNIST_DIR};
use lowp::nn::NnError;

/// The system allocator, recording the largest single request of the current thread while
/// asked to (to show that a lying header allocates nothing large).
struct Watch;

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = WATCHING.try_with(|w| {
        if w.get() {
            let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
        }
    });
}

unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Watch = Watch;

/// The largest allocation `f` makes on this thread, and its result.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (usize, T) {
    LARGEST.with(|l| l.set(0));
    WATCHING.with(|w| w.set(true));
    let r = f();
    WATCHING.with(|w| w.set(false));
    (LARGEST.with(Cell::get), r)
}

/// An IDX file of unsigned bytes.
fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(data);
    b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A fresh directory under the system's temporary one, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("lowp-nn-idx-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn data_error(r: Result<Idx, NnError>) -> String {
    match r {
        Err(NnError::Data(m)) => m,
        other => panic!("expected NnError::Data, got {other:?}"),
    }
}

#[test]
fn round_trip_plain_and_gzip_every_rank() {
    let dir = TempDir::new("rt");
    for dims in [vec![5u32], vec![2, 3], vec![2, 3, 4], vec![1, 2, 3, 2], vec![0, 28, 28]] {
        let n: u32 = dims.iter().product();
        let data: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
        let want = Idx { dims: dims.iter().map(|&d| d as usize).collect(), data: data.clone() };
        let plain = idx_bytes(&dims, &data);
        assert_eq!(read_idx_from(&plain[..]).unwrap(), want);
        assert_eq!(read_idx_from(&gzip(&plain)[..]).unwrap(), want);
        // On disk, the name does not decide: a gzipped file without .gz, a plain one with it.
        let p = dir.path().join("plain.gz");
        std::fs::write(&p, &plain).unwrap();
        assert_eq!(read_idx(&p).unwrap(), want);
        let g = dir.path().join("gzipped.idx");
        std::fs::write(&g, gzip(&plain)).unwrap();
        assert_eq!(read_idx(&g).unwrap(), want);
    }
}

#[test]
fn every_truncation_errors() {
    let full = idx_bytes(&[2, 3, 2], &(0..12).collect::<Vec<u8>>());
    assert!(read_idx_from(&full[..]).is_ok());
    for len in 0..full.len() {
        let m = data_error(read_idx_from(&full[..len]));
        assert!(m.contains("truncated"), "{len} bytes: {m}");
        if len >= 16 {
            assert!(m.contains("need 12 bytes, got"), "{len} bytes: {m}");
        }
        // Gzipped: the same cut of the decompressed data, and cuts of the compressed stream.
        assert!(read_idx_from(&gzip(&full[..len])[..]).is_err(), "gzip of {len} bytes");
    }
    let gz = gzip(&full);
    for len in 2..gz.len() {
        assert!(read_idx_from(&gz[..len]).is_err(), "{len} of {} gzip bytes", gz.len());
    }
}

#[test]
fn trailing_bytes_error() {
    let mut b = idx_bytes(&[3], &[1, 2, 3]);
    b.push(4);
    let m = data_error(read_idx_from(&b[..]));
    assert!(m.contains("longer"), "{m}");
    assert!(read_idx_from(&gzip(&b)[..]).is_err());
}

#[test]
fn wrong_magic_type_and_rank() {
    let good = idx_bytes(&[1], &[7]);
    let mut b = good.clone();
    b[0] = 1;
    assert!(data_error(read_idx_from(&b[..])).contains("not an IDX file"));
    let mut b = good.clone();
    b[1] = 8;
    assert!(data_error(read_idx_from(&b[..])).contains("not an IDX file"));
    // Known types other than unsigned bytes say which type they are.
    for (t, name) in [(0x09, "signed byte"), (0x0B, "i16"), (0x0C, "i32"), (0x0D, "f32"), (0x0E, "f64")] {
        let mut b = good.clone();
        b[2] = t;
        let m = data_error(read_idx_from(&b[..]));
        assert!(m.contains(name) && m.contains("not supported"), "{m}");
    }
    let mut b = good.clone();
    b[2] = 0x42;
    assert!(data_error(read_idx_from(&b[..])).contains("unknown element type 0x42"));
    for rank in [0u8, 5, 255] {
        let mut b = good.clone();
        b[3] = rank;
        b.extend([0u8; 64]);
        let m = data_error(read_idx_from(&b[..]));
        assert!(m.contains(&format!("rank {rank}")), "{m}");
    }
}

#[test]
fn huge_header_refused_without_allocating() {
    // 2^40 elements (2^10 x 2^10 x 2^10 x 2^10), then a few bytes: over the limit.
    let b = idx_bytes(&[1 << 10; 4], &[1, 2, 3]);
    let (largest, r) = largest_allocation(|| read_idx_from(&b[..]));
    assert!(data_error(r).contains("refused"));
    assert!(largest < 1 << 20, "allocated {largest} bytes");
    // A product overflowing u64 as well.
    let b = idx_bytes(&[u32::MAX; 4], &[1, 2, 3]);
    assert!(data_error(read_idx_from(&b[..])).contains("refused"));
    // Under the limit (2^30 elements) but with only three bytes: a short read, no 1 GiB buffer.
    let b = idx_bytes(&[1 << 10, 1 << 10, 1 << 10], &[1, 2, 3]);
    let (largest, r) = largest_allocation(|| read_idx_from(&b[..]));
    assert!(data_error(r).contains("need 1073741824 bytes, got 3"));
    assert!(largest < 4 << 20, "allocated {largest} bytes");
    let (largest, r) = largest_allocation(|| read_idx_from(&gzip(&b)[..]));
    assert!(data_error(r).contains("got 3"));
    assert!(largest < 4 << 20, "allocated {largest} bytes");
}

fn write_pair(dir: &Path, split: Split, images: &[u8], labels: &[u8], gz: bool) {
    let p = split.file_prefix();
    let (img, lab) = if gz { (gzip(images), gzip(labels)) } else { (images.to_vec(), labels.to_vec()) };
    let ext = if gz { ".gz" } else { "" };
    std::fs::write(dir.join(format!("{p}-images-idx3-ubyte{ext}")), img).unwrap();
    std::fs::write(dir.join(format!("{p}-labels-idx1-ubyte{ext}")), lab).unwrap();
}

#[test]
fn dataset_from_dir_and_pairs() {
    let dir = TempDir::new("ds");
    // Four 2x3 images; pixel values 0..=255 spread over them.
    let pixels: Vec<u8> = (0..24).map(|i| (i * 11) as u8).collect();
    let images = idx_bytes(&[4, 2, 3], &pixels);
    let labels = idx_bytes(&[4], &[3, 0, 6, 1]);
    write_pair(dir.path(), Split::Test, &images, &labels, true);
    write_pair(dir.path(), Split::Train, &images, &labels, false);
    for split in [Split::Test, Split::Train] {
        let ds = Dataset::from_dir(dir.path(), split, None).unwrap();
        assert_eq!(ds.images.shape(), &[4, 1, 2, 3]);
        assert_eq!(ds.labels, [3, 0, 6, 1]);
        assert_eq!(ds.classes, 7);
        for (x, &p) in ds.images.data().iter().zip(&pixels) {
            assert_eq!(x.to_bits(), (p as f32 / 255.0).to_bits());
        }
        let ds = Dataset::from_dir(dir.path(), split, Some(2)).unwrap();
        assert_eq!(ds.images.shape(), &[2, 1, 2, 3]);
        assert_eq!((ds.labels.as_slice(), ds.classes, ds.len()), (&[3, 0][..], 7, 2));
        let ds = Dataset::from_dir(dir.path(), split, Some(100)).unwrap();
        assert_eq!(ds.len(), 4);
        let ds = Dataset::from_dir(dir.path(), split, Some(0)).unwrap();
        assert!(ds.is_empty());
        assert_eq!(ds.images.shape(), &[0, 1, 2, 3]);
    }
    // Counts that differ.
    write_pair(dir.path(), Split::Test, &images, &idx_bytes(&[3], &[1, 2, 3]), true);
    let e = Dataset::from_dir(dir.path(), Split::Test, None).unwrap_err().to_string();
    assert!(e.contains("4 images but") && e.contains("3 labels"), "{e}");
    // Wrong ranks.
    let labels2 = idx_bytes(&[4, 1], &[1, 2, 3, 4]);
    write_pair(dir.path(), Split::Test, &images, &labels2, false);
    std::fs::remove_file(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let e = Dataset::from_dir(dir.path(), Split::Test, None).unwrap_err().to_string();
    assert!(e.contains("rank 1"), "{e}");
    write_pair(dir.path(), Split::Test, &idx_bytes(&[24], &pixels), &labels, false);
    let e = Dataset::from_dir(dir.path(), Split::Test, None).unwrap_err().to_string();
    assert!(e.contains("rank 3"), "{e}");
    // A missing file is named.
    std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
    let e = Dataset::from_dir(dir.path(), Split::Test, None).unwrap_err().to_string();
    assert!(e.contains("t10k-labels-idx1-ubyte.gz not found"), "{e}");
    assert!(!e.contains("apt-get"), "{e}");
}

fn fashion_mnist(split: Split) -> Option<Dataset> {
    if !Path::new(FASHION_MNIST_DIR).is_dir() {
        println!("skipped: {FASHION_MNIST_DIR} is missing (apt-get install dataset-fashion-mnist)");
        return None;
    }
    Some(Dataset::fashion_mnist(split, None).unwrap())
}

fn class_counts(labels: &[u8]) -> Vec<usize> {
    let mut c = vec![0; 10];
    for &l in labels {
        c[l as usize] += 1;
    }
    c
}

#[test]
fn fashion_mnist_test_split() {
    let Some(ds) = fashion_mnist(Split::Test) else { return };
    assert_eq!(ds.images.shape(), &[10_000, 1, 28, 28]);
    assert_eq!(ds.classes, 10);
    assert_eq!(class_counts(&ds.labels), [1000; 10]);
    // The published order: ankle boot, pullover, trouser, trouser, shirt, ...
    assert_eq!(ds.labels[..10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    assert!(ds.images.data().iter().all(|&x| (0.0..=1.0).contains(&x)));
    let limited = Dataset::fashion_mnist(Split::Test, Some(3)).unwrap();
    assert_eq!(limited.images.shape(), &[3, 1, 28, 28]);
    assert_eq!(limited.images.data(), &ds.images.data()[..3 * 784]);
}

#[test]
fn fashion_mnist_train_split() {
    let Some(ds) = fashion_mnist(Split::Train) else { return };
    assert_eq!(ds.images.shape(), &[60_000, 1, 28, 28]);
    assert_eq!(ds.classes, 10);
    assert_eq!(class_counts(&ds.labels), [6000; 10]);
    assert_eq!(ds.labels[..10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
}
