use serde::{Deserialize, Deserializer};

/// For PATCH bodies: a missing field is `None` (leave as is), `null` is
/// `Some(None)` (clear it), a value is `Some(Some(v))`. Use with
/// `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
