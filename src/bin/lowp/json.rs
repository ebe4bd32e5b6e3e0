//! Flat JSON objects for `--json` output: one object per line, keys in the order given.

// Used by `infer --json`, which lands separately.
#![allow(dead_code)]

use serde_json::Value;

/// The JSON object `{"key": value, …}` of `pairs`, keys in the given order (serde_json's own
/// map would sort them), strings escaped by serde_json, non-finite numbers as `null`. Build the
/// values with `serde_json::json!`.
pub(crate) fn object(pairs: &[(&str, Value)]) -> String {
    let mut s = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&Value::from(*k).to_string());
        s.push(':');
        s.push_str(&v.to_string());
    }
    s.push('}');
    s
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn escapes_and_keeps_order() {
        let o = super::object(&[
            ("model", json!("fashion \"cnn\"\n\\ ✓")),
            ("top1", json!(0.9125)),
            ("images", json!(10_000)),
            ("nan", json!(f64::NAN)),
            ("ok", json!(true)),
            ("a\tkey", json!(null)),
        ]);
        assert_eq!(
            o,
            r#"{"model":"fashion \"cnn\"\n\\ ✓","top1":0.9125,"images":10000,"nan":null,"ok":true,"a\tkey":null}"#
        );
        let back: serde_json::Value = serde_json::from_str(&o).unwrap();
        assert_eq!(back["model"], "fashion \"cnn\"\n\\ ✓");
        assert_eq!(super::object(&[]), "{}");
    }
}
