#!/usr/bin/env node
// Adds to package-lock.json the platform-specific optional packages that npm left out.
//
// npm records every platform build of a dependency (e.g. @napi-rs/lzma-darwin-arm64) in the
// lock file, but only those the registry serves; a partial registry mirror lacks the newest
// non-Linux builds, and `npm ci` then refuses the lock file. This writes the entries npm
// writes against the full registry (without their integrity, which npm checks on download).
// Run it after `npm install` changes the lock file:  node scripts/complete-lockfile.mjs

import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const path = fileURLToPath(new URL('../package-lock.json', import.meta.url))
const lock = JSON.parse(readFileSync(path, 'utf8'))
const PLATFORM = /-(android|darwin|freebsd|linux|win32|wasm32)-(arm64|arm|x64|ia32|ppc64|riscv64|s390x|wasi)(?:-(gnu|gnueabihf|musl|eabi|msvc))?$/

let added = 0
for (const entry of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (lock.packages[key]) continue
    const match = name.match(PLATFORM)
    if (!match) throw new Error(`${name}: not a platform package; run npm install against the full registry`)
    const [, os, cpu, abi] = match
    const platform = os === 'wasm32' ? { cpu: ['wasm32'] } : { os: [os], cpu: [cpu] }
    const libc = { gnu: ['glibc'], gnueabihf: ['glibc'], musl: ['musl'] }[abi]
    lock.packages[key] = { version, dev: entry.dev, optional: true, ...platform, ...(libc && { libc }) }
    added++
  }
}
// Our entries in npm's own key order (version first, the rest alphabetical), so that a
// later `npm install` finds the file as it would write it and leaves it alone.
for (const [key, entry] of Object.entries(lock.packages)) {
  if (key === '' || entry.integrity !== undefined || !entry.optional) continue
  const { version, ...rest } = entry
  lock.packages[key] = { version, ...Object.fromEntries(Object.keys(rest).sort().map((k) => [k, rest[k]])) }
}
const sorted = Object.keys(lock.packages).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
lock.packages = Object.fromEntries(sorted.map((key) => [key, lock.packages[key]]))
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`package-lock.json: ${added} platform packages added`)
