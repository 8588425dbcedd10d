#!/usr/bin/env bash
# Builds the .NET sample with mono's C# compiler (Debian/Ubuntu: apt-get install mono-mcs):
#
#   examples/dotnet/build.sh OUT_DIR
#
# makes OUT_DIR/sample.exe from DevLink.cs (the wrapper) and Program.cs (the console
# sample), for any CPU (it runs as a 64-bit process on a 64-bit runtime: give it the
# devlink.dll / libdevlink.so of that width). Run it with
#
#   LD_LIBRARY_PATH=target/debug mono OUT_DIR/sample.exe legacy 127.0.0.1:50797 PASSWORD devlink3
#
# (on Windows: sample.exe beside devlink.dll). The same two files build unchanged with
# csc or in a .NET SDK project.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
OUT=$1
command -v mcs >/dev/null 2>&1 || {
    echo "build.sh: mcs not found (Debian/Ubuntu: apt-get install mono-mcs mono-runtime)" >&2
    exit 1
}
mkdir -p "$OUT"
# TRACE as MSBuild defines it: without it, the Trace.TraceError through which the wrapper
# reports handler exceptions that no CallbackError handler takes compiles to nothing.
mcs -nologo -target:exe -platform:anycpu -optimize+ -debug- -checked- \
    -warn:4 -warnaserror+ -define:TRACE -r:System.dll \
    -out:"$OUT/sample.exe" "$HERE/DevLink.cs" "$HERE/Program.cs"
