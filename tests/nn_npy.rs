//! The `.npy` reader and writer (`lowp::nn::npy`).

use std::path::PathBuf;
use std::process::Command;

use lowp::nn::npy::{read_npy_f32, read_npy_f32_from, write_npy_f32, write_npy_f32_to};
use lowp::nn::{NnError, Tensor};

fn temp(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lowp-nn-npy-{tag}-{}.npy", std::process::id()))
}

fn data_error(r: Result<Tensor, NnError>) -> String {
    match r {
        Err(NnError::Data(m)) => m,
        other => panic!("expected NnError::Data, got {other:?}"),
    }
}

/// A `.npy` v1.0 file with the given header dict (padded to `align` bytes) and data bytes.
fn npy(dict: &str, align: usize, data: &[u8]) -> Vec<u8> {
    let mut h = dict.to_string();
    while !(10 + h.len() + 1).is_multiple_of(align) {
        h.push(' ');
    }
    h.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend((h.len() as u16).to_le_bytes());
    b.extend(h.as_bytes());
    b.extend(data);
    b
}

fn f32_bytes(x: &[f32]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn round_trip_every_rank() {
    let specials = [0.0, -0.0, 1.5, f32::MIN_POSITIVE, f32::from_bits(1), f32::MAX, f32::INFINITY, f32::NAN];
    for shape in [vec![], vec![0], vec![8], vec![2, 4], vec![2, 2, 2], vec![1, 2, 1, 4], vec![3, 0, 2]] {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|i| specials[i % specials.len()]).collect();
        let mut bytes = Vec::new();
        write_npy_f32_to(&mut bytes, &shape, &data).unwrap();
        // The header is padded to 64 bytes and ends in a newline.
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(bytes[9 + header_len], b'\n');
        assert_eq!(bytes.len(), 10 + header_len + 4 * n);
        let t = read_npy_f32_from(&bytes[..]).unwrap();
        assert_eq!(t.shape(), shape.as_slice());
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(t.data()), bits(&data));
    }
    let p = temp("rt");
    write_npy_f32(&p, &[3, 1], &[1.0, 2.0, 3.0]).unwrap();
    let t = read_npy_f32(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    assert_eq!(t, Tensor::new(vec![3, 1], vec![1.0, 2.0, 3.0]).unwrap());
}

#[test]
fn header_text_is_what_numpy_writes() {
    let mut bytes = Vec::new();
    write_npy_f32_to(&mut bytes, &[10000, 10], &[0.0; 100_000]).unwrap();
    let header = std::str::from_utf8(&bytes[10..bytes.len() - 400_000]).unwrap();
    assert_eq!(header.trim_end(), "{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 10), }");
    let mut bytes = Vec::new();
    write_npy_f32_to(&mut bytes, &[5], &[0.0; 5]).unwrap();
    assert!(std::str::from_utf8(&bytes[10..74]).unwrap().contains("'shape': (5,)"));
}

#[test]
fn hand_made_numpy_files() {
    let data = f32_bytes(&[1.0, -2.0, 3.5, 4.0, 5.0, 6.0]);
    // NumPy 1.x and 2.x write this header (64-byte alignment; older ones 16).
    for align in [16, 64] {
        let b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", align, &data);
        let t = read_npy_f32_from(&b[..]).unwrap();
        assert_eq!((t.shape(), t.data()[2]), (&[2, 3][..], 3.5));
    }
    // Other spellings: double quotes, no trailing comma, another key order, version 2.0.
    let b = npy(r#"{"shape":(6,),"fortran_order":False,"descr":"<f4"}"#, 64, &data);
    assert_eq!(read_npy_f32_from(&b[..]).unwrap().shape(), &[6]);
    let mut b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 64, &data);
    let h = u16::from_le_bytes([b[8], b[9]]) as u32;
    b[6] = 2;
    b.splice(8..10, h.to_le_bytes());
    assert_eq!(read_npy_f32_from(&b[..]).unwrap().data()[1], -2.0);
    // Fortran order of a vector is the same as C order.
    let b = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", 64, &data);
    assert!(read_npy_f32_from(&b[..]).is_ok());
}

#[test]
fn other_dtypes_and_orders_are_refused() {
    for descr in ["<f8", ">f4", "<f2", "|u1", "<i4", "|b1", "<c8"] {
        let b = npy(&format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}"), 64, &[0; 16]);
        let m = data_error(read_npy_f32_from(&b[..]));
        assert!(m.contains(descr) && m.contains("not supported"), "{m}");
    }
    let b = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 64, &[0; 24]);
    assert!(data_error(read_npy_f32_from(&b[..])).contains("Fortran"));
    // A structured dtype (a list) is not a string.
    let b = npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 64, &[0; 4]);
    assert!(data_error(read_npy_f32_from(&b[..])).contains("corrupt"));
}

#[test]
fn corrupt_headers_and_lengths() {
    let good = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 64, &f32_bytes(&[1.0, 2.0]));
    assert!(read_npy_f32_from(&good[..]).is_ok());
    // Every truncation.
    for len in 0..good.len() {
        let m = data_error(read_npy_f32_from(&good[..len]));
        assert!(m.contains("truncated"), "{len}: {m}");
    }
    let mut b = good.clone();
    b.push(0);
    assert!(data_error(read_npy_f32_from(&b[..])).contains("longer"));
    let mut b = good.clone();
    b[0] = b'x';
    assert!(data_error(read_npy_f32_from(&b[..])).contains("not a .npy"));
    let mut b = good.clone();
    b[6] = 4;
    assert!(data_error(read_npy_f32_from(&b[..])).contains("version 4"));
    for dict in [
        "",
        "{",
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
        "{'descr: '<f4', 'fortran_order': False, 'shape': (2,)}",
        "['descr', '<f4']",
    ] {
        let b = npy(dict, 64, &f32_bytes(&[1.0, 2.0]));
        let m = data_error(read_npy_f32_from(&b[..]));
        assert!(m.contains("corrupt"), "{dict}: {m}");
    }
    // A non-UTF-8 header.
    let mut b = good.clone();
    b[12] = 0xff;
    assert!(data_error(read_npy_f32_from(&b[..])).contains("not text"));
    // A shape whose byte count overflows, and a huge one behind a few bytes.
    let b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 64, &[0; 8]);
    assert!(data_error(read_npy_f32_from(&b[..])).contains("overflows"));
    let b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }", 64, &[0; 8]);
    assert!(data_error(read_npy_f32_from(&b[..])).contains("needs 4000000000 bytes, got 8"));
    // Writing: the element count must match.
    assert!(matches!(write_npy_f32_to(Vec::new(), &[2, 2], &[0.0; 3]), Err(NnError::Shape(_))));
}

#[test]
fn numpy_reads_and_writes_the_same_files() {
    let ok = Command::new("python3").args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: python3 with numpy is not available");
        return;
    }
    let ours = temp("ours");
    let theirs = temp("theirs");
    write_npy_f32(&ours, &[2, 3], &[0.5, -1.0, 2.0, 3.0, 4.0, 1e-30]).unwrap();
    let script = format!(
        "import numpy as np\na = np.load({ours:?})\nassert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)\n\
assert a[1, 2] == np.float32(1e-30) and a[0, 1] == -1\n\
np.save({theirs:?}, np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7)\n",
        ours = ours.display().to_string(),
        theirs = theirs.display().to_string()
    );
    let out = Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = read_npy_f32(&theirs).unwrap();
    let _ = std::fs::remove_file(&ours);
    let _ = std::fs::remove_file(&theirs);
    assert_eq!(t.shape(), &[2, 3, 4]);
    for (i, &x) in t.data().iter().enumerate() {
        assert_eq!(x, i as f32 / 7.0);
    }
}
