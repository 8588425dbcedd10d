//! Golden files: a generated file is compared with its committed copy, or written when
//! `DEVLINK3_BLESS=1`. Shared by the protocol crate's C views test and the FFI crate's
//! header test (included with `#[path]`).

use std::path::Path;

pub fn blessing() -> bool {
    std::env::var_os("DEVLINK3_BLESS").is_some_and(|v| v == "1")
}

/// Compares `generated` with the committed `path`, or writes it when blessing.
pub fn check_generated(path: &Path, generated: &[u8], regenerate: &str) {
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
             Regenerate it with:  DEVLINK3_BLESS=1 {regenerate}",
            path.display(),
            first.map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1)
        );
    }
}
