// A Detail's sections are decoded in JS from the record's text when first read (when the
// native side found their fields to be that text split at commas), else by the native
// side: both must give the same document.

import { sectionsDecodedInJs } from './spy-sections.mjs'

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inspect } from 'node:util'

import { ANSWERED_CALL, RINGING_CALL, connectTo, record, startSimulator } from './helpers.mjs'

/** Flags 3 and 64|1, a state and an equipment no name is given for, a name with a
 *  character beyond ASCII (unquoted, so its section is still split in JS, at UTF-16
 *  offsets), and a PartyB with fields missing at its end. */
const UNUSUAL =
  '<Detail><Call>c0a82a03,9,acc,,tag€,1,,200,,200,,5,6,3,1700000000,1,ivr,42</Call>' +
  '<PartyA>c0a82a030000232a,1,99,1,0,0,1,3,0,77,2,Zoë,,0,0,5678,,,,,,01707123456,100,5,Zoë Ü,c0a82a0300000413</PartyA>' +
  '<PartyB>c0a82a0300000413,0,2,1,0,0,0,65,1,8,106</PartyB></Detail>'

/** `text` with a space before the second field of every section: the same values (numbers
 *  may have spaces around them), but the native side then decodes the sections itself. */
const spaced = (text) => text.replace(/(<(Call|PartyA|PartyB|Target)>[^,<]*,)/g, '$1 ')

/** The record as a plain document, `raw` aside. */
function document(record) {
  const { raw, ...rest } = record.toJSON()
  return rest
}

test('sections split in JS and sections decoded natively give the same document', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  // Besides the records above: whitespace around the sections' texts (as the specification
  // prints them), a quoted name beyond ASCII among sections split in JS, and one target of
  // two read natively.
  const printed = '<Detail>\n  <Call>\n    c0a82a03,1,,,,0,,,,\n  </Call>\n  <PartyA>\n\nc0a82a03000003ea,1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,4001,100\n  </PartyA>\n</Detail>'
  const quoted = UNUSUAL.replace(',5,Zoë Ü,c0a82a0300000413</PartyA>', ',5,"Zoë, Ü",c0a82a0300000413</PartyA>')
  const oneTarget = RINGING_CALL.replace('<Target>c0a82a03000003ff,', '<Target>c0a82a03000003ff, ')
  for (const text of [ANSWERED_CALL, RINGING_CALL, UNUSUAL, printed, quoted, oneTarget]) {
    sim.injectDelta3(text)
    sim.injectDelta3(spaced(text))
    const [split, native] = [(await delta3.next()).record, (await delta3.next()).record]
    assert.equal(split.raw, text)
    assert.equal(native.raw, spaced(text))
    const before = sectionsDecodedInJs.count
    const splitDocument = document(split)
    const decoded = sectionsDecodedInJs.count
    assert.ok(decoded > before, `some sections of ${text} were split in JS`)
    assert.deepEqual(splitDocument, document(native), text)
    assert.equal(sectionsDecodedInJs.count, decoded, `every section of ${spaced(text)} was read natively`)
  }
})

test('values of an unusual Detail', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  sim.injectDelta3(UNUSUAL)
  const detail = (await delta3.next()).record
  assert.equal(detail.call.tag, 'tag€')
  assert.equal(detail.call.queueing, 'listening to announcement')
  assert.equal(detail.call.timestamp, 1700000000)
  assert.equal(detail.call.ivrTime, 42)
  assert.deepEqual(detail.partyA.flags, ['privacy', 'auto_answered'])
  assert.equal(detail.partyA.state, 99, 'an unnamed state stays a number')
  assert.equal(detail.partyA.equipment, 77)
  assert.equal(detail.partyA.description, 'Zoë')
  assert.equal(detail.partyA.callingName, 'Zoë Ü')
  assert.equal(detail.partyA.relatedEndId, 'c0a82a0300000413')
  assert.deepEqual(detail.partyB.flags, ['privacy', '64'], 'an undocumented bit as its number')
  assert.equal(detail.partyB.equipmentType, 106)
  assert.equal(detail.partyB.description, '', 'a missing field is empty')
  assert.equal(detail.partyB.calledReason, 0, 'a missing number is 0')
  assert.equal(detail.partyB.callingNameType, 'default')
  assert.deepEqual(detail.targets, [])
})

test('a quoted field is read natively, the other sections in JS', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  const quoted = ANSWERED_CALL.replace(',01707123456,100</PartyA>', ',01707123456,100,2,"Smith, John"</PartyA>')
  sim.injectDelta3(quoted)
  const detail = (await delta3.next()).record
  assert.equal(detail.partyA.callingName, 'Smith, John')
  assert.equal(detail.partyA.callingNameType, 'explicitly set')
  assert.equal(detail.partyA.cli, '01707123456')
  assert.equal(detail.partyB.identity, '4001')
  assert.equal(detail.call.callId, 4)
})

test('a Detail record reads as its document', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  sim.injectDelta3(RINGING_CALL)
  const event = await delta3.next()
  const detail = event.record
  const keys = ['kind', 'call', 'partyA', 'partyB', 'targets', 'raw']
  assert.deepEqual(Object.keys(detail.toJSON()), keys, "the document's keys, in its order")
  const json = JSON.parse(JSON.stringify(event))
  assert.deepEqual(Object.keys(json.record), keys)
  assert.deepEqual(json.record, JSON.parse(JSON.stringify(detail.toJSON())))
  assert.equal(json.record.targets.length, 2)
  assert.equal(json.record.targets[1].identity, '4003')
  assert.equal(json.record.partyB, null)
  // What console.log shows: the fields, not the record's internals.
  assert.match(inspect(event, { depth: 4 }), /callingNameType: 'default'/)
  assert.match(inspect(detail), /partyA: \{/)
  // A section read twice is the same object; sections can be replaced, like any property.
  assert.equal(detail.partyA, detail.partyA)
  assert.equal(detail.targets, detail.targets)
  // The sections do not depend on `raw`, which the application may redact; a Proxy
  // around the record (as reactive frameworks make) reads it like the record.
  const redacted = (await (sim.injectDelta3(RINGING_CALL), delta3.next())).record
  redacted.raw = undefined
  const proxied = new Proxy(redacted, {})
  assert.equal(proxied.partyA.cli, '01707123456')
  assert.equal(proxied.targets.length, 2)
  assert.deepEqual(proxied.call, detail.call)
  detail.partyA = { note: 'replaced' }
  detail.targets.push('more')
  assert.deepEqual(detail.partyA, { note: 'replaced' })
  assert.equal(detail.targets.length, 3)
})
