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
    AttemptReject, Call, CallLost, Described, FieldKind, LinkLost, Party, PartyFlags, Target,
};

/// The C view of one section: a `#[repr(C)]` struct of `devlink3_str` strings, `bool`
/// flags and `u32` numbers (codes and bit sets as their wire numbers), and the function
/// filling it from the parsed section without copying text.
fn c_view<T: Described>(out: &mut String, c_name: &str, fill: &str) {
    let rust = T::NAME;
    for line in T::DOC {
        writeln!(out, "///{line}").unwrap();
    }
    out.push_str("#[repr(C)]\n#[derive(Debug, Clone, Copy)]\n");
    writeln!(out, "pub struct {c_name} {{").unwrap();
    for field in T::FIELDS {
        for line in field.doc {
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
        };
        writeln!(out, "    pub {}: {ty},", field.name).unwrap();
    }
    out.push_str("}\n\n");
    writeln!(out, "pub(crate) fn {fill}(r: &{rust}<'_>) -> {c_name} {{").unwrap();
    writeln!(out, "    {c_name} {{").unwrap();
    for field in T::FIELDS {
        let name = field.name;
        let value = match field.kind {
            FieldKind::Text | FieldKind::Quoted => format!("devlink3_str::of(&r.{name})"),
            FieldKind::Flag | FieldKind::Number => format!("r.{name}"),
            FieldKind::Code { .. } => format!("r.{name}.raw()"),
            FieldKind::Flags => format!("r.{name}.bits()"),
        };
        writeln!(out, "        {name}: {value},").unwrap();
    }
    out.push_str("    }\n}\n");
}

/// `src/view/sections.rs`, from the section descriptions.
fn view_sections() -> String {
    let mut out = String::from(
        "//! C views of the Delta3 record sections.\n\
         //!\n\
         //! @generated from the section descriptions in `devlink3-proto` (`section!`, `record!`) by\n\
         //! `DEVLINK3_BLESS=1 cargo test -p devlink3-proto --test c_views`; do not edit.\n\n\
         use devlink3_core::records::{AttemptReject, Call, CallLost, LinkLost, Party, Target};\n\n\
         use super::devlink3_str;\n",
    );
    let sections: [fn(&mut String); 6] = [
        |o| c_view::<Call>(o, "devlink3_call", "call"),
        |o| c_view::<Party>(o, "devlink3_party", "party"),
        |o| c_view::<Target>(o, "devlink3_target", "target"),
        |o| c_view::<CallLost>(o, "devlink3_call_lost", "call_lost"),
        |o| c_view::<LinkLost>(o, "devlink3_link_lost", "link_lost"),
        |o| c_view::<AttemptReject>(o, "devlink3_attempt_reject", "attempt_reject"),
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
