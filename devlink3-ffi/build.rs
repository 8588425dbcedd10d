//! Windows only: a version resource (VERSIONINFO) in `devlink.dll`, so that Explorer's
//! Properties dialog, installers and support staff can tell which build an application
//! loaded. The `.rc` is generated from the package version and compiled with the MinGW
//! resource compiler into an object that is linked into the cdylib only (not the static
//! library, not test programs). Other targets: nothing to do.
//!
//! The resource compiler is `$WINDRES` if set, else `<arch>-w64-mingw32-windres`, else
//! `windres`; without one the build fails and says how to get it (Debian/Ubuntu:
//! `apt-get install mingw-w64`, which the Windows cross build needs anyway).

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WINDRES");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let rc = out_dir.join("devlink.rc");
    std::fs::write(&rc, version_resource()).expect("writing devlink.rc");
    let object = out_dir.join("devlink-version.o");
    let windres = windres();
    let target = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86") => "pe-i386",
        Ok("x86_64") => "pe-x86-64",
        Ok("aarch64") => "pe-aarch64-little",
        other => panic!("devlink3-ffi build.rs: no version resource format for the Windows architecture {other:?}"),
    };
    let status = Command::new(&windres)
        .args(["--input-format=rc", "--output-format=coff", "--target", target, "-c", "65001"])
        .arg("-i")
        .arg(&rc)
        .arg("-o")
        .arg(&object)
        .status()
        .unwrap_or_else(|e| panic!("devlink3-ffi build.rs: cannot run {windres}: {e}"));
    if !status.success() {
        panic!("devlink3-ffi build.rs: {windres} failed ({status}) on {}", rc.display());
    }
    println!("cargo:rustc-cdylib-link-arg={}", object.display());
}

/// The resource compiler to use, or a clear failure.
fn windres() -> String {
    if let Ok(windres) = env::var("WINDRES") {
        return windres;
    }
    let prefix = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86") => "i686-w64-mingw32-",
        Ok("x86_64") => "x86_64-w64-mingw32-",
        _ => "",
    };
    let candidates = [format!("{prefix}windres"), "windres".to_string()];
    for candidate in &candidates {
        if Command::new(candidate).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return candidate.clone();
        }
    }
    panic!(
        "devlink3-ffi build.rs: building devlink.dll needs a resource compiler for its version \
         resource, and neither {} was found. Install MinGW-w64 (Debian/Ubuntu: apt-get install \
         mingw-w64) or set WINDRES to one.",
        candidates.join(" nor ")
    );
}

/// The `.rc` text: VERSIONINFO from `CARGO_PKG_VERSION`.
fn version_resource() -> String {
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let numbers = |name: &str| -> u16 { env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(0) };
    let (major, minor, patch) =
        (numbers("CARGO_PKG_VERSION_MAJOR"), numbers("CARGO_PKG_VERSION_MINOR"), numbers("CARGO_PKG_VERSION_PATCH"));
    let license = env::var("CARGO_PKG_LICENSE").unwrap_or_default();
    format!(
        r#"#pragma code_page(65001)
1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS 0x40004L
FILETYPE 0x2L
FILESUBTYPE 0x0L
BEGIN
    BLOCK "StringFileInfo"
    BEGIN
        BLOCK "040904b0"
        BEGIN
            VALUE "CompanyName", "devlink3 project"
            VALUE "FileDescription", "devlink3: Avaya IP Office DevLink API (devlink.dll) over DevLink3"
            VALUE "FileVersion", "{version}"
            VALUE "InternalName", "devlink"
            VALUE "LegalCopyright", "Licensed under {license}"
            VALUE "OriginalFilename", "devlink.dll"
            VALUE "ProductName", "devlink3"
            VALUE "ProductVersion", "{version}"
        END
    END
    BLOCK "VarFileInfo"
    BEGIN
        VALUE "Translation", 0x409, 1200
    END
END
"#
    )
}
