#!/bin/sh
# Installs libdevlink (shared and static), include/devlink.h, include/devlink3.h, a
# pkg-config file devlink3.pc, and lib/devlink.ini.sample (copy it to lib/devlink.ini,
# beside the library, to configure legacy applications) under PREFIX.
#
#   devlink3-ffi/install.sh /usr/local            # builds with the dist profile first
#   DEVLINK3_LIB_DIR=target/debug devlink3-ffi/install.sh "$HOME/.local"
#                                                 # installs an existing build instead
#
# Then: cc app.c $(pkg-config --cflags --libs devlink3)
# (with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig when PREFIX is not a system prefix).
set -eu

PREFIX=${1:?usage: install.sh PREFIX}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB_DIR=${DEVLINK3_LIB_DIR:-}
if [ -z "$LIB_DIR" ]; then
    # The dist profile: release code, stripped (what ships).
    # One crate type per build: beside the rlib, rustc skips link-time optimisation.
    for crate_type in cdylib staticlib; do
        cargo rustc --profile dist -p devlink3-ffi --lib --features mimalloc --crate-type "$crate_type" --manifest-path "$ROOT/Cargo.toml"
    done
    LIB_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/dist
fi
VERSION=$("$ROOT/scripts/version")
case $(uname -s) in
    Darwin) SHARED=libdevlink.dylib ;;
    *) SHARED=libdevlink.so ;;
esac

install -d "$PREFIX/lib/pkgconfig" "$PREFIX/include"
install -m 755 "$LIB_DIR/$SHARED" "$PREFIX/lib/"
install -m 644 "$LIB_DIR/libdevlink.a" "$PREFIX/lib/"
install -m 644 "$ROOT/devlink3-ffi/devlink.ini.sample" "$PREFIX/lib/"
install -m 644 "$ROOT/include/devlink.h" "$ROOT/include/devlink3.h" "$PREFIX/include/"
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@VERSION@|$VERSION|g" "$ROOT/devlink3-ffi/devlink3.pc.in" \
    > "$PREFIX/lib/pkgconfig/devlink3.pc"
echo "installed libdevlink $VERSION under $PREFIX"
