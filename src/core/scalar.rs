//! A YAML scalar read as the string a process would see in its environment.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// `true`, `8080`, `0.5` and `"text"` all become strings; `null`/`~`/nothing becomes `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value (string, number or boolean)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_owned())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                // Debug keeps `1.0` as written instead of collapsing it to `1`.
                Ok(Scalar(Some(format!("{v:?}"))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_becomes_its_text() {
        for (yaml, expected) in [
            ("hello", Some("hello")),
            ("'08'", Some("08")),
            ("8080", Some("8080")),
            ("-3", Some("-3")),
            ("1.0", Some("1.0")),
            ("true", Some("true")),
            ("~", None),
            ("null", None),
        ] {
            let scalar: Scalar = serde_yaml::from_str(yaml).unwrap();
            assert_eq!(scalar.0.as_deref(), expected, "{yaml}");
        }
    }

    #[test]
    fn a_nested_value_is_an_error() {
        assert!(serde_yaml::from_str::<Scalar>("[1, 2]").is_err());
        assert!(serde_yaml::from_str::<Scalar>("{a: 1}").is_err());
    }
}
