#!/usr/bin/env bash
# Builds devlink.dll for 32- and 64-bit Windows on Linux (MinGW-w64 cross toolchain), with
# import libraries for MinGW and Visual C++, and checks what each DLL exports.
#
#   devlink3-ffi/windows/build.sh [OUT_DIR]        (default: $CARGO_TARGET_DIR/windows)
#
# OUT_DIR/x86/  devlink.dll         32-bit, for existing DevLink applications
#               libdevlink.dll.a    MinGW import library (_DLOpen@24 -> DLOpen)
#               devlink.lib         Visual C++ import library (likewise)
#               devlink.def
#               devlink.ini.sample  settings for applications that cannot pass them
# OUT_DIR/x64/  the same for 64-bit applications (also the extended devlink3_* API)
# OUT_DIR/include/devlink.h, devlink3.h
#
# Needs: rustup targets i686-pc-windows-gnu and x86_64-pc-windows-gnu, MinGW-w64 (gcc,
# windres, dlltool) and LLVM (llvm-dlltool, llvm-readobj). Debian/Ubuntu:
#   apt-get install mingw-w64 llvm
#   rustup target add i686-pc-windows-gnu x86_64-pc-windows-gnu
# The DLLs use the `dist` profile (stripped, LTO).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${1:-$TARGET_DIR/windows}
PROFILE=dist

die() {
    echo "build.sh: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found; $2"
}

# An LLVM tool by its plain name, or the newest versioned one (Debian installs llvm-*-NN).
llvm_tool() {
    local found
    if command -v "$1" >/dev/null 2>&1; then
        echo "$1"
        return
    fi
    found=$(compgen -c "$1-" | grep -E "^$1-[0-9]+$" | sort -t- -k3 -n | tail -n 1 || true)
    [ -n "$found" ] || die "$1 not found; install LLVM (Debian/Ubuntu: apt-get install llvm)"
    echo "$found"
}

need cargo "install Rust (https://rustup.rs)"
for tool in i686-w64-mingw32-gcc x86_64-w64-mingw32-gcc i686-w64-mingw32-windres x86_64-w64-mingw32-windres \
    i686-w64-mingw32-dlltool x86_64-w64-mingw32-dlltool; do
    need "$tool" "install MinGW-w64 (Debian/Ubuntu: apt-get install mingw-w64)"
done
LLVM_DLLTOOL=$(llvm_tool llvm-dlltool)
LLVM_READOBJ=$(llvm_tool llvm-readobj)
if command -v rustup >/dev/null 2>&1; then
    installed=$(rustup target list --installed)
    for target in i686-pc-windows-gnu x86_64-pc-windows-gnu; do
        grep -qx "$target" <<<"$installed" || die "Rust target $target missing: rustup target add $target"
    done
fi

# The DLL alone (`--crate-type cdylib`): built together with the crate's rlib and staticlib,
# rustc skips link-time optimisation, and the x64 DLL weighs 3.1 MiB instead of 1.8.
for target in i686-pc-windows-gnu x86_64-pc-windows-gnu; do
    cargo rustc --manifest-path "$ROOT/Cargo.toml" --locked -p devlink3-ffi --lib --crate-type cdylib \
        --features mimalloc --profile "$PROFILE" --target "$target"
done

# The names the .def promises, without the stdcall @N.
expected=$(sed -n '/^EXPORTS/,$ s/^ \{1,\}\([A-Za-z_][A-Za-z0-9_]*\)\(@[0-9]*\)\{0,1\} *$/\1/p' \
    "$ROOT/devlink3-ffi/windows/devlink.def" | sort)
[ -n "$expected" ] || die "no exports read from devlink.def"

package() { # package ARCH TRIPLE MINGW_PREFIX LLVM_MACHINE
    local arch=$1 triple=$2 mingw=$3 machine=$4 dir=$OUT/$1 dll exports
    dll=$TARGET_DIR/$triple/$PROFILE/devlink.dll
    mkdir -p "$dir"
    cp "$dll" "$dir/devlink.dll"
    cp "$ROOT/devlink3-ffi/devlink.ini.sample" "$dir/devlink.ini.sample"
    if [ "$arch" = x86 ]; then
        cp "$ROOT/devlink3-ffi/windows/devlink.def" "$dir/devlink.def"
    else
        # x64 has no stdcall decorations.
        sed 's/@[0-9]* *$//' "$ROOT/devlink3-ffi/windows/devlink.def" >"$dir/devlink.def"
    fi
    rm -f "$dir/libdevlink.dll.a" "$dir/devlink.lib"
    # -k: symbols keep their @N (what callers reference), the DLL names they import do not.
    # (In $dir: GNU dlltool names the archive's members after the output path.)
    (cd "$dir" && "$mingw-dlltool" -d devlink.def -D devlink.dll -l libdevlink.dll.a -k)
    (cd "$dir" && "$LLVM_DLLTOOL" -m "$machine" -d devlink.def -D devlink.dll -l devlink.lib -k)

    exports=$("$LLVM_READOBJ" --coff-exports "$dir/devlink.dll" | sed -n 's/^ *Name: //p' | sort)
    if [ "$exports" != "$expected" ]; then
        diff <(echo "$expected") <(echo "$exports") >&2 || true
        die "$dir/devlink.dll does not export exactly the names of devlink.def (< expected, > exported)"
    fi
}

package x86 i686-pc-windows-gnu i686-w64-mingw32 i386
package x64 x86_64-pc-windows-gnu x86_64-w64-mingw32 i386:x86-64
mkdir -p "$OUT/include"
cp "$ROOT/include/devlink.h" "$ROOT/include/devlink3.h" "$OUT/include/"

for arch in x86 x64; do
    printf '%s/devlink.dll: %s bytes\n' "$OUT/$arch" "$(stat -c %s "$OUT/$arch/devlink.dll")"
done
