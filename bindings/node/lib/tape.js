'use strict'
// Reads the tape written by src/shape/tape.rs: a batch of events as numbers, plus one
// string per event holding that event's strings back to back. lib/decode.js (generated)
// knows the order of each shape's fields; lib/detail.js reads a Detail, laid out for
// decoding its sections when they are first read.

const { SHAPES, code } = require('./decode.js')
const { readDetailEvent } = require('./detail.js')

// The text of the last address read: a link's events all come from one PBX or a few.
let lastAddress = -1
let lastAddressText = ''

/** The reader of each shape, by its number on the tape. */
const READERS = SHAPES.map((read) => read ?? readDetailEvent)
if (SHAPES.filter((read) => read === null).length !== 1) {
  throw new Error('devlink3: lib/decode.js leaves other shapes than the Detail to lib/detail.js')
}

class TapeReader {
  constructor(numbers) {
    this.numbers = numbers
    this.next = 0
    this.textOfEvent = ''
    this.at = 0
  }

  /** Starts the next event, whose strings are `text`. */
  begin(text) {
    this.textOfEvent = text
    this.at = 0
  }

  number() {
    return this.numbers[this.next++]
  }

  flag() {
    return this.numbers[this.next++] !== 0
  }

  present() {
    return this.numbers[this.next++] !== 0
  }

  /** A coded field: its name from `names`, else the number. */
  code(names) {
    return code(names, this.numbers[this.next++])
  }

  /** An IPv4 address (a number on the tape) as its dotted text. */
  address() {
    const address = this.numbers[this.next++]
    if (address !== lastAddress) {
      lastAddress = address
      lastAddressText = `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`
    }
    return lastAddressText
  }

  text() {
    const length = this.numbers[this.next++]
    if (length === 0) return ''
    const start = this.at
    this.at = start + length
    return this.textOfEvent.slice(start, this.at)
  }

  texts() {
    const count = this.numbers[this.next++]
    const texts = []
    for (let i = 0; i < count; i++) texts.push(this.text())
    return texts
  }

  list(item) {
    const count = this.numbers[this.next++]
    const items = []
    for (let i = 0; i < count; i++) items.push(item(this))
    return items
  }
}

/** The events of one batch, as plain objects. */
function decodeBatch(numbers, texts) {
  const reader = new TapeReader(numbers)
  const events = new Array(texts.length)
  for (let i = 0; i < texts.length; i++) {
    reader.begin(texts[i])
    events[i] = READERS[reader.number()](reader)
  }
  return events
}

module.exports = { decodeBatch }
