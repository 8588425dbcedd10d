//! Golden tests of the generated C API: `src/view/sections.rs` (the record sections' C
//! views) is what the protocol crate's section descriptions make of them, and
//! `include/devlink3.h` is what cbindgen makes of the crate.
//!
//! On a difference they fail and say how to regenerate: `DEVLINK3_BLESS=1 cargo test -p
//! devlink3-ffi --test header` writes both instead of comparing.

use std::fmt::Write as _;
use std::path::Path;

use devlink3_core::records::{
    AttemptReject, Call, CallLost, Described, FieldKind, LinkLost, Party, PartyFlags, Target,
};

fn blessing() -> bool {
    std::env::var_os("DEVLINK3_BLESS").is_some_and(|v| v == "1")
}

/// Compares `generated` with the committed `path`, or writes it when blessing.
fn check_generated(path: &Path, generated: &[u8]) {
    if blessing() {
        std::fs::write(path, generated).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read(path).unwrap_or_default();
    if committed != generated {
        let committed = String::from_utf8_lossy(&committed);
        let generated = String::from_utf8_lossy(generated);
        let first = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "{} is stale (first difference at line {}).\n\
             Regenerate it with:  DEVLINK3_BLESS=1 cargo test -p devlink3-ffi --test header",
            path.display(),
            first.map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1)
        );
    }
}

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
         //! `DEVLINK3_BLESS=1 cargo test -p devlink3-ffi --test header`; do not edit.\n\n\
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
fn devlink3_h_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The views first: the header is made from them.
    check_generated(&crate_dir.join("src/view/sections.rs"), view_sections().as_bytes());
    let header = crate_dir.join("../include/devlink3.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    // Parsing from the source root (not `with_crate`) keeps `cargo metadata` out of the test.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    check_generated(&header, &generated);
}

/// Every function of `include/devlink3.h` is exported by the Windows DLL: listed in
/// `windows/devlink.def` (whose import libraries and export check use it), so that a new
/// function cannot be forgotten there until the Windows build notices.
#[test]
fn devlink_def_lists_every_extended_function() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(crate_dir.join("../include/devlink3.h")).unwrap();
    let def = std::fs::read_to_string(crate_dir.join("windows/devlink.def")).unwrap();
    let exported: Vec<&str> = def.lines().map(str::trim).filter(|l| l.starts_with("devlink3_")).collect();
    // Names followed by "(": the functions (types and fields are not).
    let mut declared: Vec<String> = header
        .match_indices("devlink3_")
        .filter_map(|(at, _)| {
            let name: String = header[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            header[at + name.len()..].starts_with('(').then_some(name)
        })
        .collect();
    declared.sort();
    declared.dedup();
    let missing: Vec<&String> = declared.iter().filter(|name| !exported.contains(&name.as_str())).collect();
    assert!(missing.is_empty(), "add to devlink3-ffi/windows/devlink.def: {missing:?}");
    let extra: Vec<&&str> = exported.iter().filter(|name| !declared.iter().any(|d| d == *name)).collect();
    assert!(extra.is_empty(), "devlink.def exports what devlink3.h does not declare: {extra:?}");
}
