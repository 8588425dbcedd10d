#!/usr/bin/env bash
# Tests the Windows builds on Linux: builds devlink.dll (32- and 64-bit) with build.sh, then
# runs devlink3-ffi/tests/windows.rs, which compiles Windows programs with MinGW-w64 and
# runs them under wine against the simulator.
#
#   devlink3-ffi/windows/test.sh [--install-tools]
#
# --install-tools (what .ci/run passes) first installs whatever is missing, as root:
# i386 multiarch, mingw-w64, wine, wine32, wine64 and llvm with apt-get, and the two
# Rust targets with rustup. Each step is skipped when its tools are there already.
# Without it, missing tools are an error naming what to install.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET_DIR/windows
PACKAGES=(mingw-w64 wine wine32:i386 wine64 llvm)
TARGETS=(i686-pc-windows-gnu x86_64-pc-windows-gnu)

install_tools() {
    "$ROOT/.ci/apt-install" "${PACKAGES[@]}"
    local installed target
    installed=$(rustup target list --installed)
    for target in "${TARGETS[@]}"; do
        grep -qx "$target" <<<"$installed" || rustup target add "$target"
    done
}

if [ "${1:-}" = --install-tools ]; then
    install_tools
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--install-tools]" >&2
    exit 2
fi
command -v wine >/dev/null 2>&1 || {
    echo "test.sh: wine not found (Debian/Ubuntu: dpkg --add-architecture i386 && apt-get install wine wine32 wine64), or run with --install-tools" >&2
    exit 1
}

"$ROOT/devlink3-ffi/windows/build.sh" "$OUT"

DEVLINK3_WINDOWS_DIR=$OUT WINEDEBUG=-all \
    cargo test --manifest-path "$ROOT/Cargo.toml" -p devlink3-ffi --test windows --locked -- --ignored
