//! Owned records: the text once, and the index of its fields.
//!
//! On the event path records cross from the runtime thread to the consumer. A
//! [`Delta3Record`] holds one shared copy of the text and the [`Delta3Index`] of its
//! fields (what the C splitter of the benchmarks records too); each field is decoded when
//! read, through [`Delta3Record::get`]'s view. Delta2 records own their text the same way
//! (with their one span, the fields, split on demand).
//!
//! A record may also be made before it is indexed ([`Delta3Record::deferred`]) and indexed
//! later where it is ([`Delta3Record::resolve`]): the client's runtime thread hands part of
//! a read's records to the consumer unindexed, so that the consumer's thread shares the
//! work.

use std::fmt;
use std::sync::Arc;

use super::{Delta3, Delta3Index, Delta3View, RecordError, strip_nul};

/// A Delta3 record that owns its text and knows where its fields lie. Cloning shares the
/// text.
#[derive(Clone)]
pub struct Delta3Record {
    text: Arc<str>,
    /// `None` until the text is indexed (a [deferred](Self::deferred) record).
    index: Option<Delta3Index>,
}

impl Delta3Record {
    /// Reads `text` (copied once) into an owned record.
    pub fn parse(text: &str) -> Result<Self, RecordError> {
        let mut record = Self::deferred(text);
        record.resolve()?;
        Ok(record)
    }

    /// The record of `text` (copied once), indexed later by [`Self::resolve`]: for a
    /// producer that leaves the work to the thread it hands records to. Until then
    /// [`Self::get`] and [`Self::to_owned_record`] panic and serializing fails (`raw`,
    /// `Debug`, `Display` and `==` work); `devlink3-core` resolves every record before an
    /// application sees it, and turns the ones that fail into `Unparsed` events.
    #[doc(hidden)]
    pub fn deferred(text: &str) -> Self {
        Self { text: Arc::from(text), index: None }
    }

    /// Indexes a [deferred](Self::deferred) record in place (nothing to do for one made by
    /// [`Self::parse`]). On an error the record stays as it was.
    #[doc(hidden)]
    pub fn resolve(&mut self) -> Result<(), RecordError> {
        if self.index.is_none() {
            let mut index = Delta3Index::new();
            index.index(&self.text)?;
            self.index = Some(index);
        }
        Ok(())
    }

    /// Whether the record is indexed ([`Self::get`] may be called).
    #[doc(hidden)]
    pub fn is_resolved(&self) -> bool {
        self.index.is_some()
    }

    /// The record's view: each accessor decodes its field from the text when called.
    ///
    /// # Panics
    /// On a [deferred](Self::deferred) record not yet [resolved](Self::resolve): a record
    /// made by [`parse`](Self::parse), or delivered by a link, is always indexed.
    pub fn get(&self) -> Delta3View<'_> {
        match &self.index {
            Some(index) => index.view(&self.text),
            None => panic!("a deferred Delta3 record was used before it was resolved"),
        }
    }

    /// The record's text as the PBX sent it (without a trailing NUL).
    pub fn raw(&self) -> &str {
        strip_nul(&self.text)
    }

    /// An independent copy with owned fields (allocates per field).
    pub fn to_owned_record(&self) -> Delta3<'static> {
        self.get().decode().into_owned()
    }
}

// Formatting, comparing and serializing never panic, deferred or not: they show up in
// assertion messages and log lines.
impl fmt::Debug for Delta3Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.index {
            Some(_) => self.get().fmt(f),
            None => f.debug_tuple("Deferred").field(&self.raw()).finish(),
        }
    }
}

impl fmt::Display for Delta3Record {
    /// The canonical text of the fields; a deferred record's text as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.index {
            Some(_) => self.get().decode().fmt(f),
            None => f.write_str(self.raw()),
        }
    }
}

impl PartialEq for Delta3Record {
    /// The same text: the record read from a text is a function of it, indexed or not.
    fn eq(&self, other: &Self) -> bool {
        self.raw() == other.raw()
    }
}

impl Eq for Delta3Record {}

#[cfg(feature = "serde")]
impl serde::Serialize for Delta3Record {
    /// As the typed record.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.index {
            Some(_) => self.get().decode().serialize(serializer),
            None => Err(serde::ser::Error::custom("a Delta3 record not parsed yet")),
        }
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Delta3Record {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Delta3".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<Delta3<'static>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::parse_delta3;

    const DETAIL: &str = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call>\
        <PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA></Detail>";

    #[test]
    fn owns_its_text_and_outlives_the_input() {
        let record = {
            let input = String::from(DETAIL);
            Delta3Record::parse(&input).unwrap()
        };
        let copy = record.clone();
        drop(record);
        let Delta3View::Detail(detail) = copy.get() else { panic!("a Detail") };
        assert_eq!(detail.party_a().cli(), "01707123456");
        assert_eq!(copy.raw(), DETAIL);
        assert_eq!(copy.to_owned_record(), parse_delta3(DETAIL).unwrap().into_owned());
        assert!(Delta3Record::parse("<Nonsense/>").is_err());
    }

    #[test]
    fn deferred_records_parse_where_they_are() {
        let mut record = Delta3Record::deferred(DETAIL);
        assert!(!record.is_resolved());
        assert_eq!(record.raw(), DETAIL, "the text needs no parse");
        let mut record = std::thread::spawn(move || record.resolve().map(|()| record)).join().unwrap().unwrap();
        assert!(record.is_resolved());
        assert_eq!(record, Delta3Record::parse(DETAIL).unwrap());
        assert!(record.resolve().is_ok(), "resolving twice is nothing");

        let mut bad = Delta3Record::deferred("<Detail><Call>x</Call></Detail>\0");
        assert_eq!(bad.resolve(), Err(RecordError::MissingSection { section: "PartyA" }));
        assert!(!bad.is_resolved());
        assert_eq!(bad.raw(), "<Detail><Call>x</Call></Detail>");
        assert!(std::panic::catch_unwind(|| bad.get().raw().len()).is_err());
        assert_eq!(format!("{bad:?}"), r#"Deferred("<Detail><Call>x</Call></Detail>")"#);
        assert_eq!(bad.to_string(), "<Detail><Call>x</Call></Detail>");
        assert_eq!(Delta3Record::deferred(DETAIL), Delta3Record::parse(DETAIL).unwrap());
        assert_ne!(bad, Delta3Record::parse(DETAIL).unwrap());
    }

    #[test]
    fn moves_across_threads() {
        let record = Delta3Record::parse(DETAIL).unwrap();
        let cli = std::thread::spawn(move || match record.get() {
            Delta3View::Detail(d) => d.party_a().cli().to_string(),
            _ => String::new(),
        });
        assert_eq!(cli.join().unwrap(), "01707123456");
    }
}
