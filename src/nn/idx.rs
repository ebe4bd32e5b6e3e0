//! The IDX file format of MNIST-style data sets (plain or gzipped) and the [`Dataset`] of
//! images and labels built from a pair of such files, Fashion-MNIST in particular.
//!
//! An IDX file is a 4-byte magic number — two zero bytes, the element type (`0x08` for
//! unsigned bytes, the only type read here) and the rank — then one big-endian `u32` per
//! dimension, then the elements in row-major order. Files starting with the gzip magic
//! `1f 8b` are decompressed on the fly, whatever their name.
//!
//! Reading never trusts the header's element count for an allocation: a count above
//! [`MAX_ELEMENTS`] is refused outright, and the elements are read incrementally, so a corrupt
//! header announcing terabytes behind a few bytes fails with a short read, not an
//! out-of-memory abort.
//!
//! ```
//! use lowp::nn::idx::{read_idx, Idx};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Two 2x3 "images": magic 0x00000803, dims 2, 2, 3 (big-endian), then 12 bytes.
//! let mut bytes = vec![0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
//! bytes.extend(0u8..12);
//! let path = std::env::temp_dir().join(format!("lowp-doc-idx-{}", std::process::id()));
//! std::fs::write(&path, &bytes)?;
//! let idx = read_idx(&path)?;
//! std::fs::remove_file(&path)?;
//! assert_eq!(idx, Idx { dims: vec![2, 2, 3], data: (0u8..12).collect() });
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use super::{NnError, Tensor};

/// The largest element count (hence byte count, for `u8` elements) accepted from an IDX
/// header: 2³² (4 GiB). Larger headers are refused before anything is allocated.
pub const MAX_ELEMENTS: u64 = 1 << 32;

/// Where the Debian package `dataset-fashion-mnist` installs Fashion-MNIST
/// (`apt-get install dataset-fashion-mnist`).
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The names of the ten Fashion-MNIST classes, by label.
///
/// ```
/// assert_eq!(lowp::nn::idx::FASHION_MNIST_CLASSES[9], "Ankle boot");
/// ```
pub const FASHION_MNIST_CLASSES: [&str; 10] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/// The contents of an IDX file of unsigned bytes (element type `0x08`).
///
/// ```
/// let idx = lowp::nn::idx::read_idx_from(&[0u8, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9][..]).unwrap();
/// assert_eq!(idx.dims, [3]);
/// assert_eq!(idx.data, [7, 8, 9]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idx {
    /// The dimensions, outermost first (`[n, rows, columns]` for images, `[n]` for labels).
    pub dims: Vec<usize>,
    /// The elements, row-major; `data.len()` is the product of `dims`.
    pub data: Vec<u8>,
}

/// The name of an IDX element type, for error messages.
fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "i16",
        0x0C => "i32",
        0x0D => "f32",
        0x0E => "f64",
        _ => return None,
    })
}

fn io_error(what: &str, e: io::Error) -> NnError {
    NnError::Data(format!("{what}: {e}"))
}

/// Reads an IDX file of unsigned bytes, plain or gzipped (recognised by the gzip magic
/// `1f 8b`, not by the file name). Errors name the path.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::io::Write;
/// // The same three labels, gzipped.
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(&[0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])?;
/// let path = std::env::temp_dir().join(format!("lowp-doc-labels-{}.gz", std::process::id()));
/// std::fs::write(&path, gz.finish()?)?;
/// let idx = lowp::nn::idx::read_idx(&path)?;
/// std::fs::remove_file(&path)?;
/// assert_eq!(idx.data, [7, 8, 9]);
/// assert!(lowp::nn::idx::read_idx("/nonexistent/labels.idx").is_err());
/// # Ok(())
/// # }
/// ```
pub fn read_idx(path: impl AsRef<Path>) -> Result<Idx, NnError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error(&path.display().to_string(), e))?;
    read_idx_from(file).map_err(|e| match e {
        NnError::Data(m) => NnError::Data(format!("{}: {m}", path.display())),
        e => e,
    })
}

/// Reads an IDX stream of unsigned bytes, plain or gzipped (the gzip magic `1f 8b` at the
/// start selects decompression). The whole stream must be the one IDX file: a short stream
/// and bytes after the last element are both errors.
///
/// ```
/// use lowp::nn::idx::read_idx_from;
/// assert!(read_idx_from(&[0u8, 0, 8, 1, 0, 0, 0, 3, 7, 8][..]).is_err()); // truncated
/// assert!(read_idx_from(&[0u8, 0, 8, 1, 0, 0, 0, 1, 7, 8][..]).is_err()); // trailing byte
/// assert!(read_idx_from(&[0u8, 0, 0x0D, 1, 0, 0, 0, 0][..]).is_err()); // f32 elements
/// ```
pub fn read_idx_from(reader: impl Read) -> Result<Idx, NnError> {
    let mut reader = BufReader::new(reader);
    let head = reader.fill_buf().map_err(|e| io_error("cannot read", e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        read_plain(BufReader::new(MultiGzDecoder::new(reader)), "gzipped ")
    } else {
        read_plain(reader, "")
    }
}

/// Fills `buf` completely, or says how many bytes there were.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn read_plain(mut r: impl Read, gz: &str) -> Result<Idx, NnError> {
    let ctx = |e: io::Error| io_error(&format!("cannot read {gz}IDX data"), e);
    let mut magic = [0u8; 4];
    let got = read_full(&mut r, &mut magic).map_err(ctx)?;
    if got < 4 {
        return Err(NnError::Data(format!("truncated {gz}IDX header: expected 4 magic bytes, got {got}")));
    }
    if magic[..2] != [0, 0] {
        return Err(NnError::Data(format!(
            "not an IDX file: the magic number starts {:02x} {:02x}, expected 00 00",
            magic[0], magic[1]
        )));
    }
    match (magic[2], type_name(magic[2])) {
        (0x08, _) => {}
        (t, Some(name)) => {
            return Err(NnError::Data(format!(
                "IDX element type 0x{t:02x} ({name}) is not supported: only 0x08 (unsigned byte)"
            )))
        }
        (t, None) => return Err(NnError::Data(format!("not an IDX file: unknown element type 0x{t:02x}"))),
    }
    let rank = magic[3] as usize;
    if !(1..=4).contains(&rank) {
        return Err(NnError::Data(format!("IDX rank {rank} is not supported: 1 to 4 dimensions")));
    }
    let mut dims_bytes = [0u8; 16];
    let got = read_full(&mut r, &mut dims_bytes[..4 * rank]).map_err(ctx)?;
    if got < 4 * rank {
        return Err(NnError::Data(format!(
            "truncated {gz}IDX header: expected {} bytes of dimensions, got {got}",
            4 * rank
        )));
    }
    let dims: Vec<u64> =
        dims_bytes[..4 * rank].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64).collect();
    // Each dimension is below 2^32 and there are at most four: the product may overflow u64, so
    // check as it grows.
    let n = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS).ok_or_else(|| {
        NnError::Data(format!("IDX dimensions {dims:?} hold more than {MAX_ELEMENTS} elements: refused"))
    })?;
    let n_usize = usize::try_from(n)
        .map_err(|_| NnError::Data(format!("IDX dimensions {dims:?} do not fit this platform's memory")))?;
    // Start small and let the vector grow with what is actually there.
    let mut data = Vec::with_capacity(n_usize.min(1 << 20));
    (&mut r).take(n).read_to_end(&mut data).map_err(ctx)?;
    if data.len() < n_usize {
        return Err(NnError::Data(format!(
            "truncated {gz}IDX data: dimensions {dims:?} need {n} bytes, got {}",
            data.len()
        )));
    }
    let mut extra = [0u8; 1];
    if read_full(&mut r, &mut extra).map_err(ctx)? != 0 {
        return Err(NnError::Data(format!("{gz}IDX data longer than its dimensions {dims:?} say ({n} bytes)")));
    }
    Ok(Idx { dims: dims.iter().map(|&d| d as usize).collect(), data })
}

/// Which half of a data set: the training or the test images.
///
/// ```
/// use lowp::nn::idx::Split;
/// assert_eq!(Split::Test.file_prefix(), "t10k");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// The training split (`train-…`; 60 000 images in Fashion-MNIST).
    Train,
    /// The test split (`t10k-…`; 10 000 images in Fashion-MNIST).
    Test,
}

impl Split {
    /// The prefix of the split's file names: `train` or `t10k`.
    pub fn file_prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// Labelled grey-scale images: what an image classifier is evaluated on.
///
/// Pixels are scaled to `[0, 1]` as `p as f32 / 255.0` (one correctly rounded `f32`
/// division per byte, so the 256 possible values are exactly those of torchvision's
/// `ToTensor`).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use lowp::nn::idx::Dataset;
/// let dir = std::env::temp_dir().join(format!("lowp-doc-dataset-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // Three 2x2 images and their labels.
/// let mut images = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2];
/// images.extend([0, 51, 102, 255].repeat(3));
/// std::fs::write(dir.join("images.idx"), &images)?;
/// std::fs::write(dir.join("labels.idx"), [0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1])?;
/// let ds = Dataset::load_idx_pair(dir.join("images.idx"), dir.join("labels.idx"), Some(2))?;
/// std::fs::remove_dir_all(&dir)?;
/// assert_eq!(ds.images.shape(), &[2, 1, 2, 2]);
/// assert_eq!(&ds.images.data()[..4], &[0.0, 0.2, 0.4, 1.0]);
/// assert_eq!(ds.labels, [2, 0]);
/// assert_eq!(ds.classes, 3); // from all the labels in the file, not just the first two
/// assert_eq!(ds.len(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The images, `[n, 1, rows, columns]`, pixels scaled to `[0, 1]`.
    pub images: Tensor,
    /// The label of each image.
    pub labels: Vec<u8>,
    /// The number of classes: one more than the largest label in the label file (all of it,
    /// even when only the first images were loaded).
    pub classes: usize,
}

impl Dataset {
    /// Loads images (an IDX file `[n, rows, columns]`) and their labels (an IDX file `[n]`),
    /// each plain or gzipped; `limit` keeps only the first images. The two counts must match.
    pub fn load_idx_pair(
        images: impl AsRef<Path>,
        labels: impl AsRef<Path>,
        limit: Option<usize>,
    ) -> Result<Dataset, NnError> {
        let (images, labels) = (images.as_ref(), labels.as_ref());
        let img = read_idx(images)?;
        let lab = read_idx(labels)?;
        let &[n, rows, cols] = img.dims.as_slice() else {
            return Err(NnError::Data(format!(
                "{}: images must be an IDX file of rank 3 [n, rows, columns], got dimensions {:?}",
                images.display(),
                img.dims
            )));
        };
        let &[n_labels] = lab.dims.as_slice() else {
            return Err(NnError::Data(format!(
                "{}: labels must be an IDX file of rank 1 [n], got dimensions {:?}",
                labels.display(),
                lab.dims
            )));
        };
        if n != n_labels {
            return Err(NnError::Data(format!(
                "{} holds {n} images but {} holds {n_labels} labels",
                images.display(),
                labels.display()
            )));
        }
        let classes = lab.data.iter().max().map_or(0, |&m| m as usize + 1);
        let keep = limit.map_or(n, |l| l.min(n));
        let pixels = keep * rows * cols;
        let data: Vec<f32> = img.data[..pixels].iter().map(|&p| p as f32 / 255.0).collect();
        let images = Tensor::new(vec![keep, 1, rows, cols], data)?;
        let mut labels = lab.data;
        labels.truncate(keep);
        Ok(Dataset { images, labels, classes })
    }

    /// Loads a split of Fashion-MNIST from [`FASHION_MNIST_DIR`], where the Debian package
    /// `dataset-fashion-mnist` puts it; the error for a missing file says to install it.
    ///
    /// ```
    /// use lowp::nn::idx::{Dataset, Split, FASHION_MNIST_DIR};
    /// if std::path::Path::new(FASHION_MNIST_DIR).is_dir() {
    ///     let test = Dataset::fashion_mnist(Split::Test, Some(100)).unwrap();
    ///     assert_eq!(test.images.shape(), &[100, 1, 28, 28]);
    ///     assert_eq!((test.labels[0], test.classes), (9, 10)); // an ankle boot; ten classes
    /// } else {
    ///     let e = Dataset::fashion_mnist(Split::Test, None).unwrap_err();
    ///     assert!(e.to_string().contains("apt-get install dataset-fashion-mnist"));
    /// }
    /// ```
    pub fn fashion_mnist(split: Split, limit: Option<usize>) -> Result<Dataset, NnError> {
        Self::from_dir_hint(Path::new(FASHION_MNIST_DIR), split, limit, " (apt-get install dataset-fashion-mnist)")
    }

    /// Loads a split from a directory holding the files of MNIST or Fashion-MNIST under their
    /// usual names, `{train,t10k}-images-idx3-ubyte` and `{train,t10k}-labels-idx1-ubyte`, each
    /// gzipped or not and with or without `.gz`.
    ///
    /// ```
    /// use lowp::nn::idx::{Dataset, Split};
    /// let e = Dataset::from_dir("/nonexistent", Split::Train, None).unwrap_err();
    /// assert!(e.to_string().contains("train-images-idx3-ubyte"));
    /// ```
    pub fn from_dir(dir: impl AsRef<Path>, split: Split, limit: Option<usize>) -> Result<Dataset, NnError> {
        Self::from_dir_hint(dir.as_ref(), split, limit, "")
    }

    fn from_dir_hint(dir: &Path, split: Split, limit: Option<usize>, hint: &str) -> Result<Dataset, NnError> {
        let find = |what: &str| -> Result<PathBuf, NnError> {
            let stem = format!("{}-{what}-ubyte", split.file_prefix());
            let gz = dir.join(format!("{stem}.gz"));
            if gz.is_file() {
                return Ok(gz);
            }
            let plain = dir.join(&stem);
            if plain.is_file() {
                return Ok(plain);
            }
            Err(NnError::Data(format!("{} not found (nor {}){hint}", gz.display(), plain.display())))
        };
        let images = find("images-idx3")?;
        let labels = find("labels-idx1")?;
        Self::load_idx_pair(images, labels, limit)
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}
