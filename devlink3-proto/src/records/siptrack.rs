//! SIPTrack events (protocol §6.5.1.3): `$event,$epid,$end_id,$siptype,$direction,$sip_callid`.
//!
//! They associate a SIP Call-ID with the endpoint reported in Delta2, e.g.
//! `START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d`.

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{Fields, RecordError, own, strip_nul};

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

/// A SIPTrack event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SipTrack<'a> {
    /// `$event`: START or END.
    pub event: SipEvent<'a>,
    /// `$epid`: the endpoint id (e.g. `c0a82a1f000003eb`).
    pub epid: Cow<'a, str>,
    /// `$end_id`: the Delta2 end id (e.g. `17.1003.1`).
    pub end_id: Cow<'a, str>,
    /// `$siptype`: TRUNK or PHONE.
    pub sip_type: SipType<'a>,
    /// `$direction`: IN or OUT.
    pub direction: SipDirection<'a>,
    /// `$sip_callid`: the SIP Call-ID.
    pub sip_call_id: Cow<'a, str>,
    /// The text this event was parsed from (without a trailing NUL).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "crate::records::omit_raw"))]
    pub raw: Cow<'a, str>,
}

/// Parses a SIPTrack event. Fields beyond the sixth are ignored; fewer than six is an error.
impl Default for SipTrack<'_> {
    /// An empty `START` of a trunk, inbound.
    fn default() -> Self {
        SipTrack {
            event: SipEvent::Start,
            epid: Cow::Borrowed(""),
            end_id: Cow::Borrowed(""),
            sip_type: SipType::Trunk,
            direction: SipDirection::In,
            sip_call_id: Cow::Borrowed(""),
            raw: Cow::Borrowed(""),
        }
    }
}

pub fn parse_siptrack(text: &str) -> Result<SipTrack<'_>, RecordError> {
    let raw = strip_nul(text);
    let body = raw.trim();
    if body.is_empty() {
        return Err(RecordError::Empty);
    }
    let mut fields = Fields::new(body);
    let mut found = 0;
    let mut next = || {
        let field = fields.next().ok_or(RecordError::TooFewFields { record: "SIPTrack", expected: 6, found })?;
        found += 1;
        Ok::<_, RecordError>(field)
    };
    Ok(SipTrack {
        event: SipEvent::parse(next()?),
        epid: Cow::Borrowed(next()?),
        end_id: Cow::Borrowed(next()?),
        sip_type: SipType::parse(next()?),
        direction: SipDirection::parse(next()?),
        sip_call_id: Cow::Borrowed(next()?),
        raw: Cow::Borrowed(raw),
    })
}

impl SipTrack<'_> {
    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> SipTrack<'static> {
        SipTrack {
            event: self.event.into_owned(),
            epid: own(self.epid),
            end_id: own(self.end_id),
            sip_type: self.sip_type.into_owned(),
            direction: self.direction.into_owned(),
            sip_call_id: own(self.sip_call_id),
            raw: own(self.raw),
        }
    }
}

impl Display for SipTrack<'_> {
    /// The event's text: the six fields, comma-separated.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{},{},{}",
            self.event, self.epid, self.end_id, self.sip_type, self.direction, self.sip_call_id
        )
    }
}
