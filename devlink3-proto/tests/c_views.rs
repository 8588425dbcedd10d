//! The C views of the record sections (`devlink3-ffi/src/view/sections.rs`) are what the
//! section descriptions make of them: generated here, from the descriptions alone, so that
//! a change to a section regenerates them even when it stops the old file compiling.
//!
//! `DEVLINK3_BLESS=1 cargo test -p devlink3-proto --test c_views` writes the file, then
//! `DEVLINK3_BLESS=1 cargo test -p devlink3-ffi --test header` the header made from it.

mod golden;

use std::fmt::Write as _;
use std::path::Path;

use devlink3_proto::records::{
    AttemptReject, Call, CallLost, CmExtn, CmExtnState, Described, Field, FieldKind, LinkLost, Party, PartyFlags,
    SipTrack, Target,
};

/// The C view of one section: a `#[repr(C)]` struct of `devlink3_str` strings, `bool`
/// flags and `u32` numbers (codes and bit sets as their wire numbers), and the function
/// filling it from the parsed section without copying text.
///
/// An event's view (`event`) starts with where it came from and the record's text, then
/// the fields; a section's view (nested in `devlink3_delta3`) is the fields alone. A
/// Delta3 section is filled from its `SectionView` (`CallView`...: each field read from
/// the record's text by its accessor), the others from their struct.
fn c_view<T: Described>(out: &mut String, c_name: &str, fill: &str, event: bool) {
    let delta3 = !event;
    let rust = T::NAME;
    for line in T::DOC {
        writeln!(out, "///{line}").unwrap();
    }
    out.push_str("#[repr(C)]\n#[derive(Debug, Clone, Copy)]\n");
    writeln!(out, "pub struct {c_name} {{").unwrap();
    if event {
        out.push_str("    /// The IP Office that sent the event, and its counter.\n    pub origin: devlink3_origin,\n");
        out.push_str("    /// The event's text as the PBX sent it.\n    pub raw: devlink3_str,\n");
    }
    for field in T::FIELDS {
        c_field(out, field, &[]);
    }
    out.push_str("}\n\n");
    if event {
        writeln!(out, "pub(crate) fn {fill}(origin: devlink3_origin, r: &{rust}<'_>) -> {c_name} {{").unwrap();
        writeln!(out, "    {c_name} {{").unwrap();
        out.push_str("        origin,\n        raw: devlink3_str::of(&r.raw),\n");
    } else {
        writeln!(out, "pub(crate) fn {fill}(r: {rust}View<'_>) -> {c_name} {{").unwrap();
        writeln!(out, "    {c_name} {{").unwrap();
    }
    for field in T::FIELDS {
        let name = field.name;
        let value = if delta3 {
            match field.kind {
                FieldKind::Text | FieldKind::Quoted | FieldKind::Word { .. } => format!("devlink3_str::of(r.{name}())"),
                FieldKind::Flag | FieldKind::Number => format!("r.{name}()"),
                FieldKind::Code { .. } => format!("r.{name}().raw()"),
                FieldKind::Flags => format!("r.{name}().bits()"),
            }
        } else {
            owned_value(field)
        };
        writeln!(out, "        {name}: {value},").unwrap();
    }
    out.push_str("    }\n}\n");
}

/// A field of a view: its docs (then `more` lines), and its C type.
fn c_field(out: &mut String, field: &Field, more: &[&str]) {
    for line in field.doc.iter().chain(more) {
        writeln!(out, "    ///{line}").unwrap();
    }
    let ty = match field.kind {
        FieldKind::Text | FieldKind::Quoted => "devlink3_str",
        FieldKind::Flag => "bool",
        FieldKind::Number => "u32",
        FieldKind::Code { name, named } => {
            let values: Vec<String> = named.iter().map(|(raw, text)| format!("{raw} {text}")).collect();
            writeln!(out, "    ///\n    /// `{name}`: {}; other numbers as sent.", values.join(", ")).unwrap();
            "u32"
        }
        FieldKind::Flags => {
            let bits: Vec<String> =
                PartyFlags::NAMED.iter().map(|(flag, name)| format!("{:#04x} {name}", flag.bits())).collect();
            writeln!(out, "    ///\n    /// Bits: {}; others as sent.", bits.join(", ")).unwrap();
            "u32"
        }
        FieldKind::Word { name, words } => {
            let words: Vec<String> = words.iter().map(|word| format!("`{word}`")).collect();
            writeln!(out, "    ///\n    /// `{name}`: {}; other words as sent.", words.join(", ")).unwrap();
            "devlink3_str"
        }
    };
    writeln!(out, "    pub {}: {ty},", field.name).unwrap();
}

/// How a view's field is filled from the record's struct `r`.
fn owned_value(field: &Field) -> String {
    let name = field.name;
    match field.kind {
        FieldKind::Text | FieldKind::Quoted => format!("devlink3_str::of(&r.{name})"),
        FieldKind::Word { .. } => format!("devlink3_str::of(r.{name}.as_str())"),
        FieldKind::Flag | FieldKind::Number => format!("r.{name}"),
        FieldKind::Code { .. } => format!("r.{name}.raw()"),
        FieldKind::Flags => format!("r.{name}.bits()"),
    }
}

/// The empty value of a view's field.
fn empty_value(field: &Field) -> &'static str {
    match field.kind {
        FieldKind::Text | FieldKind::Quoted | FieldKind::Word { .. } => "devlink3_str::default()",
        FieldKind::Flag => "false",
        FieldKind::Number | FieldKind::Code { .. } | FieldKind::Flags => "0",
    }
}

/// The CMExtn view: one struct for both forms of the event (the C API has one `cmextn`
/// event), `origin` and `raw`, the plain form's fields, `extended`, then the extended
/// form's fields that the plain one does not have; a fill function for each form.
fn cmextn_view(out: &mut String) {
    let plain = <CmExtn as Described>::FIELDS;
    let extended = <CmExtnState as Described>::FIELDS;
    let only_extended: Vec<&Field> =
        extended.iter().filter(|field| !plain.iter().any(|other| other.name == field.name)).collect();
    out.push_str(
        "/// A CMExtn event (`_CMExtn` flag): plain monitor text, or (when `extended`) an\n\
         /// extension's event numbers.\n\
         #[repr(C)]\n#[derive(Debug, Clone, Copy)]\npub struct devlink3_cmextn {\n    \
         /// The IP Office that sent the event, and its counter.\n    pub origin: devlink3_origin,\n    \
         /// The plain event's text as the PBX sent it; for an extended event, its monitor\n    \
         /// rendering (`v=1 State, new=Dialling old=Idle,0,0,Extn865001`).\n    pub raw: devlink3_str,\n",
    );
    for field in plain {
        let more = match extended.iter().find(|other| other.name == field.name) {
            Some(other) => other.doc.iter().map(|line| format!(" Extended event:{line}")).collect(),
            None => vec![" Empty for an extended event.".to_owned()],
        };
        c_field(out, field, &more.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out.push_str("    /// An extended event: the fields below are set.\n    pub extended: bool,\n");
    for field in &only_extended {
        c_field(out, field, &[" 0 for a plain event."]);
    }
    out.push_str("}\n\n");
    let fill = |out: &mut String, form: &str, rust: &str, raw: &str, fields: &[(&Field, String)], extended: bool| {
        writeln!(out, "pub(crate) fn {form}(origin: devlink3_origin, r: &{rust}<'_>{raw}) -> devlink3_cmextn {{")
            .unwrap();
        let raw = if raw.is_empty() { "&r.raw" } else { "raw" };
        writeln!(out, "    devlink3_cmextn {{\n        origin,\n        raw: devlink3_str::of({raw}),").unwrap();
        for (field, value) in &fields[..plain.len()] {
            writeln!(out, "        {}: {value},", field.name).unwrap();
        }
        writeln!(out, "        extended: {extended},").unwrap();
        for (field, value) in &fields[plain.len()..] {
            writeln!(out, "        {}: {value},", field.name).unwrap();
        }
        out.push_str("    }\n}\n");
    };
    // Each form fills a field from its own description of it, if it has one.
    let set = |form: &[Field], field: &'static Field| {
        let value = match form.iter().find(|f| f.name == field.name) {
            Some(own) => owned_value(own),
            None => empty_value(field).into(),
        };
        (field, value)
    };
    let all: Vec<&'static Field> = plain.iter().chain(only_extended.iter().copied()).collect();
    let values = |form: &[Field]| all.iter().map(|field| set(form, field)).collect::<Vec<_>>();
    fill(out, "cmextn", "CmExtn", "", &values(plain), false);
    out.push('\n');
    fill(out, "cmextn_state", "CmExtnState", ", raw: &str", &values(extended), true);
}

/// `src/view/sections.rs`, from the section descriptions.
fn view_sections() -> String {
    let mut out = String::from(
        "//! C views of the record sections (Delta3's) and of the records described the same way\n\
         //! (SIPTrack, CMExtn).\n\
         //!\n\
         //! @generated from the descriptions in `devlink3-proto` (`section!`, `record!`,\n\
         //! `line_record!`) by `DEVLINK3_BLESS=1 cargo test -p devlink3-proto --test c_views`; do not edit.\n\n\
         use devlink3_core::records::{\n    \
         AttemptRejectView, CallLostView, CallView, CmExtn, CmExtnState, LinkLostView, PartyView, SipTrack, TargetView,\n};\n\n\
         use super::{devlink3_origin, devlink3_str};\n",
    );
    let sections: [fn(&mut String); 8] = [
        |o| c_view::<Call>(o, "devlink3_call", "call", false),
        |o| c_view::<Party>(o, "devlink3_party", "party", false),
        |o| c_view::<Target>(o, "devlink3_target", "target", false),
        |o| c_view::<CallLost>(o, "devlink3_call_lost", "call_lost", false),
        |o| c_view::<LinkLost>(o, "devlink3_link_lost", "link_lost", false),
        |o| c_view::<AttemptReject>(o, "devlink3_attempt_reject", "attempt_reject", false),
        |o| c_view::<SipTrack>(o, "devlink3_siptrack", "siptrack", true),
        cmextn_view,
    ];
    for section in sections {
        out.push('\n');
        section(&mut out);
    }
    out
}

#[test]
fn c_views_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../devlink3-ffi/src/view/sections.rs");
    golden::check_generated(&path, view_sections().as_bytes(), "cargo test -p devlink3-proto --test c_views");
}
