#!/usr/bin/env bash
# The Node binding's checks, as CI runs them (from .ci/run): install, build the addon
# (debug), check that the generated files are in sync, run the tests, type-check.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

# One target/ for the whole workspace: the Rust build is shared with cargo's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target}"
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT

step "npm ci"
npm ci --ignore-scripts --no-audit --no-fund

step "npm install leaves package-lock.json as committed (a user's checkout stays clean)"
lockcheck="$generated/lockcheck"
mkdir -p "$lockcheck"
cp package.json package-lock.json "$lockcheck/"
(cd "$lockcheck" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund >/dev/null)
diff -u package-lock.json "$lockcheck/package-lock.json" || {
  echo "error: npm install rewrites package-lock.json: run node scripts/complete-lockfile.mjs and commit it" >&2
  exit 1
}

step "build the addon (debug); regenerate index.js and index.d.ts into $generated"
npx napi build --platform --output-dir "$generated"
cp "$generated"/*.node .

step "regenerate lib/decode.js and lib/events.d.ts into $generated/lib"
node scripts/generate.mjs "$generated/lib"

step "generated files are in sync"
for file in index.js index.d.ts lib/decode.js lib/events.d.ts; do
  if ! diff -u "$file" "$generated/$file"; then
    echo "error: $file is out of date: run 'npm run build:debug && npm run generate' and commit it" >&2
    exit 1
  fi
done

step "node --test"
node --test --test-reporter=tap test/*.test.mjs | tee "$generated/tap"
grep -Eq '^# pass [1-9]' "$generated/tap" || { echo "error: no test ran" >&2; exit 1; }

step "tsc (the example against the published types)"
npx tsc -p tsconfig.json
