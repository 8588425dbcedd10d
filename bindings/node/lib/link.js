'use strict'

const { EventEmitter, captureRejectionSymbol } = require('node:events')

const { NativeLink } = require('../index.js')
const { DevLink3Error } = require('./errors.js')
const { decodeBatch } = require('./tape.js')

/** The events that carry records: a listener for one of them makes the link subscribe. */
const RECORD_EVENTS = new Set(['delta3', 'delta2', 'sip_track', 'cm_extn', 'cm_extn_state', 'unparsed'])

/** Marks a call model event among a batch's events (never a record's `type`). */
const CALL = Symbol('call')

/** Events an async iterator buffers before the link holds delivery back. */
const ITERATOR_HIGH_WATER_MARK = 8192
/** ...and how far it must catch up before delivery resumes. */
const ITERATOR_LOW_WATER_MARK = ITERATOR_HIGH_WATER_MARK / 4

/**
 * A link to an IP Office: an EventEmitter of its events, by their `type` (`delta3`,
 * `delta2`, `sip_track`, `cm_extn`, `cm_extn_state`, `unparsed`, `link_state`, `missed`;
 * `call` for the call model's events; and `error`, `close`), and an async iterable of all
 * of them (`calls()` for the call model's). `connect()` makes one once it is operational; `new Link()` starts one and
 * keeps trying whatever the first attempt gives.
 */
class Link extends EventEmitter {
  #native
  #state = null
  /** The `close()` promise, once closing. */
  #closing = null
  /** `connect()`'s promise callbacks, until the first attempt's outcome. */
  #opening = null
  /** Events held back while `connect()` hands the link over. */
  #held = null
  #iterators = new Set()
  /** Iterators of `calls()`. */
  #callIterators = new Set()
  /** Iterators above their high-water mark. */
  #behind = new Set()

  constructor(options) {
    super({ captureRejections: true })
    if (options === null || typeof options !== 'object') {
      throw new DevLink3Error('connect options must be an object', { code: 'INVALID_CONFIG' })
    }
    try {
      this.#native = new NativeLink(options, (numbers, texts, calls) => this.#onBatch(numbers, texts, calls))
    } catch (error) {
      throw DevLink3Error.fromNative(error)
    }
    // The link asks the PBX for records only once something here takes them (a record
    // listener, an iterator): what the PBX sends first, its calls in progress, would
    // otherwise be emitted to nobody.
    this.on('newListener', (name) => {
      if (name === 'call') this.#trackCalls()
      if (RECORD_EVENTS.has(name) || name === 'call') this.#subscribe()
    })
  }

  /**
   * Asks the PBX for events now, if the link has not yet. A record listener or an
   * iterator does this by itself; records arriving before either is attached are held
   * in the order they came for the listeners and iterators that follow.
   */
  subscribe() {
    this.#subscribe()
    return this
  }

  #subscribe() {
    if (this.#closing !== null) return
    try {
      this.#native.subscribe()
    } catch (error) {
      this.#report(DevLink3Error.fromNative(error))
    }
  }

  /** Resolves once the link is operational; rejects (and closes it) if the first attempt fails. */
  static async connect(options) {
    const link = new Link(options)
    await new Promise((resolve, reject) => {
      link.#opening = { resolve, reject }
    })
    return link
  }

  /** The latest link state (`null` before the first). */
  get state() {
    return this.#state
  }

  get closed() {
    return this.#closing !== null
  }

  /** Closes the link; nothing is delivered once this is called. Idempotent. */
  close() {
    if (this.#closing === null) {
      this.#held = null
      for (const iterator of [...this.#iterators, ...this.#callIterators]) iterator.end()
      this.#iterators.clear()
      this.#callIterators.clear()
      this.#state = { type: 'link_state', state: 'closed' }
      this.#closing = this.#native.close().then(() => this.#emitEvent('close'))
    }
    return this.#closing
  }

  /** Lets the process exit while the link is open (as `socket.unref()`). */
  unref() {
    this.#native.unref()
    return this
  }

  /** Undoes `unref()`: the open link keeps the process alive again. */
  ref() {
    this.#native.ref()
    return this
  }

  /** Reads a PBX pseudo-file while events keep flowing. */
  async readFile(name) {
    try {
      return await this.#native.readFile(name)
    } catch (error) {
      throw DevLink3Error.fromNative(error)
    }
  }

  /** The PBX's users (`nasystem/user_list`). */
  async users() {
    try {
      return await this.#native.users()
    } catch (error) {
      throw DevLink3Error.fromNative(error)
    }
  }

  /** Every event, in order, until the link closes (or throws if the PBX rejects it). */
  [Symbol.asyncIterator]() {
    return this.#iterate(this.#iterators)
  }

  /**
   * The call model's events (`started`, `ringing`, `answered`, ... `ended` with a
   * `summary`; extension state changes), as `for await` over the documents `devlink3
   * calls` prints, keys in camelCase. The same events are emitted as `call`.
   */
  calls() {
    this.#trackCalls()
    return this.#iterate(this.#callIterators)
  }

  /**
   * The call model's state now: `{ calls, extensions }`, the calls in progress (oldest
   * first) and every extension seen with its state (`{ '4001': 'talking' }`): a busy-lamp
   * field. Starts the call model if nothing has yet (then both are empty at first).
   */
  callState() {
    this.#trackCalls()
    return JSON.parse(this.#native.callSnapshot())
  }

  #iterate(set) {
    const iterator = new EventIterator(
      (behind) => this.#pressure(iterator, behind),
      () => {
        set.delete(iterator)
        this.#pressure(iterator, false)
      },
    )
    if (this.#closing === null) {
      set.add(iterator)
      this.#subscribe()
    } else {
      iterator.end()
    }
    return iterator
  }

  #trackCalls() {
    if (this.#closing === null) this.#native.trackCalls()
  }

  #onBatch(numbers, texts, calls) {
    if (this.#closing !== null) return
    this.#deliver(decodeBatch(numbers, texts))
    if (calls !== null) this.#deliver(JSON.parse(calls).map((call) => ({ type: CALL, call })))
  }

  #deliver(events) {
    for (const event of events) {
      if (this.#closing !== null) return
      if (this.#held !== null) this.#held.push(event)
      else this.#dispatch(event)
    }
  }

  #dispatch(event) {
    if (event.type === CALL) {
      this.#emitEvent('call', event.call)
      for (const iterator of this.#callIterators) iterator.push(event.call)
      return
    }
    this.#emitEvent(event.type, event)
    for (const iterator of this.#iterators) iterator.push(event)
    if (event.type === 'link_state') this.#changeState(event)
  }

  #changeState(state) {
    this.#state = state
    const opening = this.#opening
    if (opening !== null && state.state !== 'connecting') {
      this.#opening = null
      if (state.state === 'operational') {
        // The caller attaches its listeners when connect() resolves, in a microtask:
        // what follows waits until then.
        this.#held = []
        setImmediate(() => this.#release())
        opening.resolve()
      } else {
        opening.reject(DevLink3Error.fromState(state))
        this.close()
      }
    } else if (state.state === 'rejected') {
      // Final: retrying would lock the account out, so the core has stopped.
      this.#fail(DevLink3Error.fromState(state))
      this.close()
    }
  }

  #release() {
    const held = this.#held
    this.#held = null
    if (held !== null) this.#deliver(held)
  }

  /** Emits to every listener, even when one of them throws. */
  #emitEvent(name, event) {
    if (this.listenerCount(name) <= 1) {
      try {
        this.emit(name, event)
      } catch (error) {
        this.#listenerThrew(name, error)
      }
      return
    }
    for (const listener of this.rawListeners(name)) {
      try {
        const result = Reflect.apply(listener, this, [event])
        if (typeof result?.then === 'function') result.then(undefined, (error) => this.#listenerThrew(name, error))
      } catch (error) {
        this.#listenerThrew(name, error)
      }
    }
  }

  /** A rejected promise from an async listener (EventEmitter's `captureRejections`). */
  [captureRejectionSymbol](error, name) {
    this.#listenerThrew(name, error)
  }

  #listenerThrew(name, error) {
    const message = `a '${String(name)}' listener threw: ${error?.message ?? error}`
    this.#report(new DevLink3Error(message, { code: 'LISTENER_ERROR', cause: error }))
  }

  /** The link has failed: its iterators throw, and `error` is emitted unless only they listen. */
  #fail(error) {
    const iterating = this.#iterators.size + this.#callIterators.size > 0
    for (const iterator of [...this.#iterators, ...this.#callIterators]) iterator.fail(error)
    this.#iterators.clear()
    this.#callIterators.clear()
    if (!iterating || this.listenerCount('error') > 0) this.#report(error)
  }

  /** On `error`; with no listener, an uncaught exception, as for any EventEmitter. */
  #report(error) {
    const uncaught = (thrown) => process.nextTick(() => {
      throw thrown
    })
    if (this.listenerCount('error') === 0) return uncaught(error)
    try {
      this.emit('error', error)
    } catch (thrown) {
      uncaught(thrown)
    }
  }

  #pressure(iterator, behind) {
    const wasBehind = this.#behind.size > 0
    if (behind) this.#behind.add(iterator)
    else this.#behind.delete(iterator)
    const isBehind = this.#behind.size > 0
    if (wasBehind !== isBehind && this.#closing === null) this.#native.pause(isBehind)
  }
}

/** One `for await` over a link: buffers what its consumer has not taken yet. */
class EventIterator {
  #buffer = []
  #head = 0
  /** The pending `next()`, when the buffer is empty. */
  #waiting = null
  #done = false
  #error = null
  #behind = false
  #onPressure
  #onDetach

  constructor(onPressure, onDetach) {
    this.#onPressure = onPressure
    this.#onDetach = onDetach
  }

  push(event) {
    if (this.#waiting !== null) {
      const { resolve } = this.#waiting
      this.#waiting = null
      resolve({ value: event, done: false })
      return
    }
    this.#buffer.push(event)
    if (!this.#behind && this.#buffer.length - this.#head >= ITERATOR_HIGH_WATER_MARK) {
      this.#behind = true
      this.#onPressure(true)
    }
  }

  /** The link closed: no more events, not even those buffered. */
  end() {
    if (this.#done) return
    this.#done = true
    this.#buffer = []
    this.#head = 0
    this.#settle((waiting) => waiting.resolve({ value: undefined, done: true }))
  }

  /** The link failed: the buffered events, then `error`. */
  fail(error) {
    if (this.#done) return
    this.#done = true
    this.#error = error
    this.#settle((waiting) => {
      this.#error = null
      waiting.reject(error)
    })
  }

  next() {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++]
      const left = this.#buffer.length - this.#head
      if (left === 0) {
        this.#buffer = []
        this.#head = 0
      }
      if (this.#behind && left <= ITERATOR_LOW_WATER_MARK) {
        this.#behind = false
        this.#onPressure(false)
      }
      return Promise.resolve({ value, done: false })
    }
    if (this.#error !== null) {
      const error = this.#error
      this.#error = null
      return Promise.reject(error)
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject }
    })
  }

  /** `break` out of the loop: stop buffering. */
  return() {
    this.end()
    this.#onDetach()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator]() {
    return this
  }

  /** Settles the pending `next()`, if any (the buffer is empty then). */
  #settle(settle) {
    const waiting = this.#waiting
    this.#waiting = null
    if (waiting !== null) settle(waiting)
  }
}

/** Connects to an IP Office; resolves with the `Link` once it is operational. */
function connect(options) {
  return Link.connect(options)
}

module.exports = { Link, connect }
