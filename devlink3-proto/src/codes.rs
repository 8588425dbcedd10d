//! Coded values: numbers the PBX sends whose meanings the specification tables list.
//!
//! Every such field becomes an enum with a named variant per documented value and an
//! `Other(raw)` variant, so a value we have never seen is kept, not rejected or lost.
//! Serialized (feature `serde`) as the specification's name, or the number when unnamed.

/// Defines an enum of documented codes with an `Other(raw)` fallback.
///
/// Generates `from_raw`, `raw`, `name` (the PBX's own spelling, `None` for `Other`),
/// `From<raw>` and a `Display` that prints the name, or the raw number when unnamed, and
/// the crate's `Coded` for generic code.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $raw:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the specification does not name; the raw number is kept.
            Other($raw),
        }

        impl $name {
            /// Every documented value, in the specification's order.
            pub const ALL: &'static [Self] = &[$( Self::$variant, )*];

            /// Every documented value's raw number and name, in the specification's order.
            pub const NAMED: &'static [($raw, &'static str)] = &[$( ($value, $text), )*];

            /// Maps a raw wire value to its variant (`Other` when undocumented).
            #[inline]
            pub const fn from_raw(raw: $raw) -> Self {
                match raw {
                    $( $value => Self::$variant, )*
                    other => Self::Other(other),
                }
            }

            /// The raw value as sent on the wire.
            #[inline]
            pub const fn raw(self) -> $raw {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Other(raw) => raw,
                }
            }

            /// The specification's name for this value, `None` when it has none.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($text), )*
                    Self::Other(_) => None,
                }
            }
        }

        impl From<$raw> for $name {
            #[inline]
            fn from(raw: $raw) -> Self {
                Self::from_raw(raw)
            }
        }

        impl Default for $name {
            /// The value an empty field stands for: raw 0.
            fn default() -> Self {
                Self::from_raw(0)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            /// The specification's name, or the number when it names none.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(name) => serializer.serialize_str(name),
                    None => self.raw().serialize(serializer),
                }
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut names: Vec<&str> = vec![$($text),*];
                names.sort_unstable();
                names.dedup();
                schemars::json_schema!({
                    "description": "The specification's name for the value, or the number when it names none.",
                    "anyOf": [{"type": "string", "enum": names}, {"type": "integer", "minimum": 0}]
                })
            }
        }

        impl $crate::records::Coded for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [Self] = $name::ALL;
            const NAMED: &'static [(u32, &'static str)] = $name::NAMED;

            #[inline]
            fn from_raw(raw: u32) -> Self {
                $name::from_raw(raw)
            }

            #[inline]
            fn raw(self) -> u32 {
                $name::raw(self)
            }

            fn name(self) -> Option<&'static str> {
                $name::name(self)
            }
        }

        impl $crate::records::section::FieldValue for $name {
            type Static = $name;

            #[inline]
            fn visit_as<V: $crate::records::FieldVisitor>(
                &self,
                field: &'static $crate::records::Field,
                visitor: &mut V,
            ) {
                visitor.code(field, *self);
            }

            fn into_static(self) -> $name {
                self
            }
        }

        impl $crate::records::section::FromSpan<'_> for $name {
            type View = $name;

            #[inline]
            fn read(text: &str) -> $name {
                $name::from_raw($crate::records::section::number_in(text))
            }

            #[inline]
            fn from_view(view: $name) -> $name {
                view
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}", self.raw()),
                }
            }
        }
    };
}
