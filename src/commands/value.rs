//! A JSON document read and written again exactly as a `serde_json::Value`
//! would be (object members in key order, the last of a repeated key kept,
//! numbers as `Value` reads them), without building one: strings and keys
//! without escapes are borrowed from the text, and an object is a vector.
//! The listings write every item this way, so it must cost little.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Number;

/// A JSON value borrowed from its text where it can be.
#[derive(Debug, PartialEq)]
pub(super) enum Borrowed<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Borrowed<'a>>),
    /// Sorted by key, each key once.
    Object(Vec<(Cow<'a, str>, Borrowed<'a>)>),
}

impl Serialize for Borrowed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Borrowed::Null => s.serialize_unit(),
            Borrowed::Bool(b) => s.serialize_bool(*b),
            Borrowed::Number(n) => n.serialize(s),
            Borrowed::String(text) => s.serialize_str(text),
            Borrowed::Array(items) => s.collect_seq(items),
            // as `Value` writes its map
            Borrowed::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// A key, borrowed when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

/// What `serde_json::Value`'s visitor does, into [`Borrowed`].
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Borrowed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Borrowed::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Borrowed::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Borrowed::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Borrowed::Null, Borrowed::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Borrowed::String(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Borrowed::String(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Borrowed::String(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Borrowed::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Borrowed::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Borrowed::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Borrowed<'de>)> = Vec::new();
        while let Some((Key(k), v)) = map.next_entry::<Key<'de>, Borrowed<'de>>()? {
            members.push((k, v));
        }
        // a map ordered by key, where a repeated key keeps its last value:
        // the sort is stable, so the last of equal keys is the one kept
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Cow<'de, str>, Borrowed<'de>)> = Vec::with_capacity(members.len());
        for member in members {
            match out.last_mut() {
                Some(last) if last.0 == member.0 => *last = member,
                _ => out.push(member),
            }
        }
        Ok(Borrowed::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The text again, through `Value` and through `Borrowed`: the same.
    fn same(text: &str) {
        let value: Value = serde_json::from_str(text).unwrap();
        let borrowed: Borrowed<'_> = serde_json::from_str(text).unwrap();
        assert_eq!(
            serde_json::to_string(&borrowed).unwrap(),
            serde_json::to_string(&value).unwrap(),
            "{text}"
        );
        assert_eq!(
            serde_json::to_string_pretty(&borrowed).unwrap(),
            serde_json::to_string_pretty(&value).unwrap(),
            "{text}"
        );
    }

    #[test]
    fn a_document_is_written_as_a_value_would_write_it() {
        for text in [
            "null",
            "true",
            r#""plain""#,
            r#""\u00e9\/\"\\\n\t\u001b\ud83d\ude00""#,
            r#"{"b": 1, "a": 2, "c": {"z": [], "y": {}, "x": [{}, []]}}"#,
            r#"{"a": 1, "a": 2, "b": 0, "a": 3}"#,
            r#"{"\u0062": "escaped key", "a": "x", "é": 1, "Z": 2, "": 3}"#,
            "[0, -0, 1.0, -0.0, 1e5, 1.5e300, 2.5E-3, 18446744073709551615, -9223372036854775808, 18446744073709551616, 123456789012345678901234567890]",
            "[[[[[]]]], {\"k\": [null, false, {\"n\": -1}]}]",
            r#"  { "spaced" :	"out" ,"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6" }  "#,
        ] {
            same(text);
        }
    }

    #[test]
    fn a_participant_as_the_api_sends_it_is_written_as_a_value_would_write_it() {
        same(
            r#"{"record_type":"participant","id":"a62fab96-bb5a-454c-acc6-42be657aa213","call_leg_id":"25a68d9f-e236-4889-acde-e3ec44de7a0d","call_control_id":"v3:Y3VV08J6xTQBEFJ9RECmg3wx23MjzVbPXMz_t82sa5djviA1dKHbpy","conference":{"id":"73612167-58e1-41b7-91fd-a4a803222b7b","name":"All hands \u202e meeting"},"whisper_call_control_ids":["v3:a","v3:b"],"created_at":"2026-11-30T09:50:00.000Z","updated_at":"2026-11-30T09:51:00.000Z","end_conference_on_exit":false,"soft_end_conference_on_exit":false,"status":"joined","muted":false,"on_hold":false}"#,
        );
    }
}
