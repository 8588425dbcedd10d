#!/usr/bin/env bash
# A short run of every fuzz target, for CI: installs cargo-fuzz if it is missing, then runs
# each target for FUZZ_SECONDS (default 30) from the seed corpus. Fails on the first crash,
# leaving the input in fuzz/artifacts/<target>/.
#
#   bash fuzz/smoke.sh            FUZZ_SECONDS=600 bash fuzz/smoke.sh   (the 10-minute runs)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-30}

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
python3 seed_corpus.py >/dev/null

# cargo-fuzz needs nightly-only rustc flags; RUSTC_BOOTSTRAP=1 unlocks them on stable.
export RUSTC_BOOTSTRAP=1
for target in deframer event delta3; do
    case "$target" in deframer) max_len=8192 ;; *) max_len=4096 ;; esac
    echo "fuzz: $target for ${seconds}s"
    log="target/smoke-$target.log"
    mkdir -p target
    if ! cargo fuzz run -s none -a -j1 "$target" -- \
        -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "error: fuzz target $target failed (crash inputs in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
done
