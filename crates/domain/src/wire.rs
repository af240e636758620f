//! Reading the protocol's tagged records without buffering them.
//!
//! The wire types that name their variant in a field (`{"op": "archive", "email": "…"}`) are written by
//! serde's internally tagged representation, and read through a flat struct of every field any variant
//! has, then checked by variant. Serde's own reader for that representation buffers each record into an
//! intermediate tree first and compiles a second reader of every record type for that tree; the flat
//! struct reads straight from the text, in any field order, with the same messages for a missing or
//! unknown field.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, Visitor};

/// Why a tagged record could not be read: a field its variant needs is missing or of the wrong shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The value of a field its variant needs.
pub fn required<T>(value: Option<T>, field: &'static str) -> Result<T, WireError> {
    value.ok_or_else(|| WireError(format!("missing field `{field}`")))
}

/// A field that holds an id for some variants and the whole record for others (`email` is an email's id in
/// `archive`, the email itself in `put_email`).
pub(crate) enum IdOr<I, T> {
    Id(I),
    Whole(T),
}

impl<I, T> IdOr<I, T> {
    /// The id, for a variant that names a record.
    pub(crate) fn id(value: Option<Self>, field: &'static str) -> Result<I, WireError> {
        match required(value, field)? {
            IdOr::Id(id) => Ok(id),
            IdOr::Whole(_) => Err(WireError(format!("`{field}` must be an id here, not a whole record"))),
        }
    }

    /// The record, for a variant that carries one.
    pub(crate) fn whole(value: Option<Self>, field: &'static str) -> Result<T, WireError> {
        match required(value, field)? {
            IdOr::Whole(record) => Ok(record),
            IdOr::Id(_) => Err(WireError(format!("`{field}` must be the whole record here, not its id"))),
        }
    }
}

impl<'de, I: Deserialize<'de>, T: Deserialize<'de>> Deserialize<'de> for IdOr<I, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdOrVisitor<I, T>(PhantomData<(I, T)>);

        impl<'de, I: Deserialize<'de>, T: Deserialize<'de>> Visitor<'de> for IdOrVisitor<I, T> {
            type Value = IdOr<I, T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id or a whole record")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                let text: StrDeserializer<'_, E> = text.into_deserializer();
                I::deserialize(text).map(IdOr::Id)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(IdOr::Whole)
            }
        }

        deserializer.deserialize_any(IdOrVisitor(PhantomData))
    }
}
