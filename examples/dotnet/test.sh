#!/usr/bin/env bash
# Tests the .NET wrapper on Linux: builds libdevlink.so, then runs devlink3-ffi/tests/dotnet.rs,
# which compiles examples/dotnet/ with mono's mcs (build.sh) and runs the sample under mono
# against the simulator.
#
#   examples/dotnet/test.sh [--install-tools]
#
# --install-tools first installs mono-mcs and mono-runtime with apt-get (as root, or with
# sudo) when they are missing. Without it, missing tools are an error naming what to install.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACKAGES=(mono-mcs mono-runtime)

install_tools() {
    "$ROOT/.ci/apt-install" "${PACKAGES[@]}"
}

if [ "${1:-}" = --install-tools ]; then
    install_tools
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--install-tools]" >&2
    exit 2
fi
for tool in mcs mono; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "test.sh: $tool not found (Debian/Ubuntu: apt-get install mono-mcs mono-runtime), or run with --install-tools" >&2
        exit 1
    }
done

cargo build --manifest-path "$ROOT/Cargo.toml" -p devlink3-ffi --locked
cargo test --manifest-path "$ROOT/Cargo.toml" -p devlink3-ffi --test dotnet --locked -- --ignored
