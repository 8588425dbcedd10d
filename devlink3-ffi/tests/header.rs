//! Golden test: `include/devlink3.h` is what cbindgen makes of the crate today.
//!
//! On a difference it fails and says how to regenerate: `DEVLINK3_BLESS=1 cargo test -p
//! devlink3-ffi --test header` writes the header instead of comparing.

use std::path::Path;

#[test]
fn devlink3_h_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
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

    if std::env::var_os("DEVLINK3_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&header, &generated).expect("writing include/devlink3.h");
        eprintln!("wrote {}", header.display());
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    if committed != generated {
        let committed = String::from_utf8_lossy(&committed);
        let generated = String::from_utf8_lossy(&generated);
        let first = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "include/devlink3.h is stale (first difference at line {}).\n\
             Regenerate it with:  DEVLINK3_BLESS=1 cargo test -p devlink3-ffi --test header",
            first.map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1)
        );
    }
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
