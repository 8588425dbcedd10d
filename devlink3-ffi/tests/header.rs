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
