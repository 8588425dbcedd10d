// Imported before the library: counts the sections lib/detail.js decodes in JS, so that a
// test can tell that path from the native one. (Each test file runs in its own process.)

import { createRequire } from 'node:module'

const decode = createRequire(import.meta.url)('../lib/decode.js')

export const sectionsDecodedInJs = { count: 0 }

for (const name of ['CallFromFields', 'PartyFromFields', 'TargetFromFields']) {
  const read = decode[name]
  decode[name] = (fields) => {
    sectionsDecodedInJs.count++
    return read(fields)
  }
}
