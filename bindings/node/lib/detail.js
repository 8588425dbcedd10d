'use strict'
// A Delta3 Detail event, read from the tape as src/shape/tape.rs (`Tape::detail`) lays it
// out. A Detail comes by the million and most readers look at a field or two, so each
// section whose fields are its text split at commas (as the PBX writes them) stays a place
// in the record's text until it is first read; the others arrive decoded.

const { Call, CallFromFields, CommaFields, Party, PartyFromFields, Target, TargetFromFields } = require('./decode.js')

/** A section's place in the record's text is one number: `start * PLACE + end`. */
const PLACE = 2 ** 24

/** A section as the tape has it: its place (a number), or the section decoded by `read`. */
function readSection(r, read) {
  if (r.number() === 0) return read(r)
  const start = r.number()
  return start * PLACE + r.number()
}

/** The section at `place` in `raw`, decoded by `fromFields`. */
function decodeAt(raw, place, fromFields) {
  return fromFields(new CommaFields(raw, Math.floor(place / PLACE), place % PLACE))
}

// Bits of the lazy set: the sections still places in the text.
const CALL = 1
const PARTY_A = 2
const PARTY_B = 4
const TARGETS = 8

// The record's state, under symbols rather than in private (#) fields, so that a Proxy
// around a record (Vue's reactive(), Valtio...) still reaches it: accessors run with the
// proxy as `this`, and private fields are not forwarded.
const LAZY = Symbol('devlink3 sections to decode')
const TEXT = Symbol('devlink3 text the sections lie in')
const SECTIONS = {
  call: Symbol('devlink3 call'),
  partyA: Symbol('devlink3 partyA'),
  partyB: Symbol('devlink3 partyB'),
  targets: Symbol('devlink3 targets'),
}

/** The section of `record` under `key`, decoded by `fromFields` if its `bit` says it is
 *  still a place in the text. */
function section(record, bit, key, fromFields) {
  if (record[LAZY] & bit) replace(record, bit, key, decodeAt(record[TEXT], record[key], fromFields))
  return record[key]
}

/** Sets the section of `record` under `key` (its `bit`: decoded). */
function replace(record, bit, key, value) {
  record[LAZY] &= ~bit
  record[key] = value
}

/**
 * A Detail record: `kind`, `call`, `partyA`, `partyB`, `targets` and `raw` as in the event
 * document. The sections are decoded when first read, then kept; `toJSON()` gives the
 * whole document as a plain object (what `JSON.stringify` and `console.log` show).
 */
class DetailRecord {
  /** Sections are objects, or places in `raw` where `lazy` has their bits; `targets` is
   *  `null` for none. */
  constructor(call, partyA, partyB, targets, raw, lazy) {
    this.kind = 'detail'
    this.raw = raw
    this[SECTIONS.call] = call
    this[SECTIONS.partyA] = partyA
    this[SECTIONS.partyB] = partyB
    this[SECTIONS.targets] = targets
    this[LAZY] = lazy
    // The sections are decoded from this copy: `raw` is the application's to change.
    this[TEXT] = raw
  }

  /** The `<Call>` section. */
  get call() {
    return section(this, CALL, SECTIONS.call, CallFromFields)
  }

  set call(value) {
    replace(this, CALL, SECTIONS.call, value)
  }

  /** The `<PartyA>` section: every call has one. */
  get partyA() {
    return section(this, PARTY_A, SECTIONS.partyA, PartyFromFields)
  }

  set partyA(value) {
    replace(this, PARTY_A, SECTIONS.partyA, value)
  }

  /** The `<PartyB>` section once the call is established, else `null`. */
  get partyB() {
    return section(this, PARTY_B, SECTIONS.partyB, PartyFromFields)
  }

  set partyB(value) {
    replace(this, PARTY_B, SECTIONS.partyB, value)
  }

  /** The `<Target_list>` entries while the call is being established. */
  get targets() {
    if (this[SECTIONS.targets] === null) this.targets = []
    if (this[LAZY] & TARGETS) {
      const text = this[TEXT]
      this.targets = this[SECTIONS.targets].map((target) =>
        typeof target === 'number' ? decodeAt(text, target, TargetFromFields) : target,
      )
    }
    return this[SECTIONS.targets]
  }

  set targets(value) {
    replace(this, TARGETS, SECTIONS.targets, value)
  }

  /** The record as a plain object, every section decoded: its event document. */
  toJSON() {
    return {
      kind: this.kind,
      call: this.call,
      partyA: this.partyA,
      partyB: this.partyB,
      targets: this.targets,
      raw: this.raw,
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toJSON()
  }
}

/** A Detail event from the tape (after its shape number). */
function readDetailEvent(r) {
  const pbxIp = r.address()
  const counter = r.number()
  const hasPartyB = r.flag()
  const targetCount = r.number()
  const call = readSection(r, Call)
  const partyA = readSection(r, Party)
  const partyB = hasPartyB ? readSection(r, Party) : null
  let lazy = (typeof call === 'number' ? CALL : 0) | (typeof partyA === 'number' ? PARTY_A : 0)
  if (typeof partyB === 'number') lazy |= PARTY_B
  let targets = null
  if (targetCount > 0) {
    targets = new Array(targetCount)
    for (let i = 0; i < targetCount; i++) {
      const target = readSection(r, Target)
      if (typeof target === 'number') lazy |= TARGETS
      targets[i] = target
    }
  }
  const raw = r.text()
  const record = new DetailRecord(call, partyA, partyB, targets, raw, lazy)
  return { type: 'delta3', pbxIp, counter, record }
}

module.exports = { DetailRecord, readDetailEvent }
