//! A small macro for the closed sets of names the protocol speaks (states, events, roles).
//!
//! Each generated enum has one wire name per variant, used by serde, `as_str`, `Display`
//! and `FromStr` alike, so the four can never disagree.

use std::fmt;

/// A name that is not one of an enum's wire names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseNameError {
    /// What was being parsed, e.g. `"booking state"`.
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
}

impl fmt::Display for ParseNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {}: {:?}", self.kind, self.value)
    }
}

impl std::error::Error for ParseNameError {}

/// Declares a fieldless enum with one snake_case wire name per variant.
///
/// Exported so the server declares its own closed sets (user status, service
/// status, ...) the same way; pair it with [`text_column!`] to store one.
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($kind:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name (snake_case), as serde writes it.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ParseNameError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::ParseNameError { kind: $kind, value: s.to_owned() }),
                }
            }
        }
    };
}

/// Stores named enums as their wire name in a `Text` column, on every diesel
/// backend. The type must also derive `diesel::expression::AsExpression` and
/// `diesel::deserialize::FromSqlRow` with `#[diesel(sql_type = diesel::sql_types::Text)]`.
///
/// A stored value this build does not know is a logged deserialisation error,
/// never a silent default.
#[cfg(feature = "diesel")]
#[macro_export]
macro_rules! text_column {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $t
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, DB>,
            ) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $t
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(
                bytes: <DB as ::diesel::backend::Backend>::RawValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let text =
                    <String as ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                text.parse::<$t>().map_err(|err| {
                    ::tracing::error!(error = %err, "a stored value is not one this build knows");
                    err.into()
                })
            }
        }
    )+};
}
