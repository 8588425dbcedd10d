//! SIPTrack events (protocol §6.5.1.3): `$event,$epid,$end_id,$siptype,$direction,$sip_callid`.
//!
//! They associate a SIP Call-ID with the endpoint reported in Delta2, e.g.
//! `START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d`.

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{RecordError, own, strip_nul};

/// Defines an enum of the documented words of a field, with `Other` keeping any other word.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name<'a> {
            $( $(#[$vmeta])* $variant, )*
            /// A word the specification does not list, kept as sent.
            Other(Cow<'a, str>),
        }

        impl<'a> $name<'a> {
            /// Reads the word (exact, upper-case match as documented).
            pub fn parse(word: &'a str) -> Self {
                match word {
                    $( $word => Self::$variant, )*
                    other => Self::Other(Cow::Borrowed(other)),
                }
            }

            /// The word as the PBX writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $word, )*
                    Self::Other(word) => word,
                }
            }

            /// The owned form, independent of the parsed text.
            pub fn into_owned(self) -> $name<'static> {
                match self {
                    $( Self::$variant => $name::$variant, )*
                    Self::Other(word) => $name::Other(own(word)),
                }
            }
        }

        impl Display for $name<'_> {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'a> From<&'a str> for $name<'a> {
            fn from(word: &'a str) -> Self {
                Self::parse(word)
            }
        }

        impl Default for $name<'_> {
            /// The first documented word.
            fn default() -> Self {
                Self::parse([$($word),*][0])
            }
        }

        impl $crate::records::Worded for $name<'_> {
            const NAME: &'static str = stringify!($name);
            const WORDS: &'static [&'static str] = &[$($word),*];

            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl<'a> $crate::records::section::FieldValue for $name<'a> {
            type Static = $name<'static>;

            #[inline]
            fn visit_as<V: $crate::records::FieldVisitor>(&self, field: &'static $crate::records::Field, visitor: &mut V) {
                visitor.word(field, self.as_str());
            }

            fn into_static(self) -> $name<'static> {
                self.into_owned()
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name<'_> {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let known: Vec<&str> = vec![$($word),*];
                schemars::json_schema!({
                    "type": "string",
                    "description": "The word as the PBX sent it.",
                    "examples": known
                })
            }
        }
    };
}

word_enum! {
    /// SIPTrack `$event`.
    SipEvent {
        /// `START`: the SIP dialog began.
        Start = "START",
        /// `END`: the SIP dialog ended.
        End = "END",
    }
}

word_enum! {
    /// SIPTrack `$siptype`: what kind of SIP endpoint.
    SipType {
        /// `TRUNK`.
        Trunk = "TRUNK",
        /// `PHONE`.
        Phone = "PHONE",
    }
}

word_enum! {
    /// SIPTrack `$direction`.
    SipDirection {
        /// `IN`: incoming.
        In = "IN",
        /// `OUT`: outgoing.
        Out = "OUT",
    }
}

/// The SIPTrack event, described once: `$m! { line_record ... }` with the fields one per
/// line as `doc, pub name: Type = kind("label")`, in wire order.
///
/// This crate defines the type from it (`line_record!`); the Python binding its class's
/// getters. Everything else reads the generated `Described` impl.
#[macro_export]
#[doc(hidden)]
macro_rules! siptrack_fields {
    ($m:ident) => {
        $m! { line_record
            /// A SIPTrack event (`_SIPTrack` flag, §6.5.1.3): a SIP dialog starting or ending on a
            /// trunk or phone.
            pub struct SipTrack<'a> as "SIPTrack" {
                /// `START` or `END` of the SIP dialog.
                pub event: SipEvent<'a> = word("$event"),
                /// The endpoint id (`c0a82a1f000003eb`).
                pub epid: Cow<'a, str> = text("$epid"),
                /// The Delta2 end id (`17.1003.1`).
                pub end_id: Cow<'a, str> = text("$end_id"),
                /// What kind of SIP endpoint: `TRUNK` or `PHONE`.
                pub sip_type: SipType<'a> = word("$siptype"),
                /// `IN` (incoming) or `OUT` (outgoing).
                pub direction: SipDirection<'a> = word("$direction"),
                /// The SIP Call-ID.
                pub sip_call_id: Cow<'a, str> = text("$sip_callid"),
            }
        }
    };
}

/// Defines the SIPTrack type from [`siptrack_fields!`].
macro_rules! define_line_record {
    (line_record $($description:tt)*) => {
        line_record! { $($description)* }
    };
}

siptrack_fields!(define_line_record);

/// Parses a SIPTrack event. Fields beyond the sixth are ignored; fewer than six is an error.
pub fn parse_siptrack(text: &str) -> Result<SipTrack<'_>, RecordError> {
    let raw = strip_nul(text);
    let body = raw.trim();
    if body.is_empty() {
        return Err(RecordError::Empty);
    }
    SipTrack::parse_line(raw, body)
}
