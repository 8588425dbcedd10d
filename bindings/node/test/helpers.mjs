// Shared by the test files: a simulator and links that are cleaned up after each test.

import { spawn } from 'node:child_process'

import { connect, Simulator } from '../lib/index.js'

export const CREDENTIALS = { user: 'devlink3', password: 'devlink3' }

/** The specification's answered ISDN call (§6.7.1.3, with spec-errata.md §2 applied). */
export const ANSWERED_CALL =
  '<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call>' +
  '<PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>' +
  '<PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>'

/** The same call ringing two extensions. */
export const RINGING_CALL =
  '<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>' +
  '<PartyA>c0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>' +
  '<Target_list><Target>c0a82a03000003fe,0,0,8,106,,4002,0,4,,,200,901707123456,100</Target>' +
  '<Target>c0a82a03000003ff,0,0,8,106,,4003,0,4,,,200,901707123456,100</Target></Target_list></Detail>'

export const CALL_LOST = '<CallLost>c0a82a03,c0a82a0300000413,1,16,1234</CallLost>'

/** A started simulator, stopped when the test ends. */
export function startSimulator(t, options = {}) {
  const sim = new Simulator({ rate: 0, ...options })
  sim.start()
  t.after(() => sim.stop())
  return sim
}

/** A connected link to `sim`, subscribed (so records the test injects reach it), closed when the test ends. */
export async function connectTo(t, sim, options = {}) {
  const before = sim.stats().connectionsSubscribed
  const link = await connect({ target: sim.target, ...CREDENTIALS, ...options })
  t.after(() => link.close())
  link.subscribe()
  await subscribed(sim, before + 1)
  return link
}

/** Resolves once `count` links have asked `sim` for events. */
export async function subscribed(sim, count = 1) {
  const deadline = Date.now() + 10000
  while (sim.stats().connectionsSubscribed < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} links subscribed within 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Records every `name` event of `emitter` from now on. Events of one batch are emitted
 * together, so waiting for them one by one needs this buffer.
 */
export function record(emitter, name) {
  const events = []
  let taken = 0
  emitter.on(name, (event) => events.push(event))
  return {
    events,
    /** The next recorded event that `accept`s (skipping others), waiting up to `ms`. */
    async next(accept = () => true, ms = 5000) {
      await eventually(() => events.slice(taken).some(accept), ms)
      while (!accept(events[taken])) taken++
      return events[taken++]
    },
  }
}

/** The next `name` event of `emitter` that `accept`s, within `ms`. */
export function nextEvent(emitter, name, accept = () => true, ms = 5000) {
  return record(emitter, name).next(accept, ms)
}

/** Waits until `condition()` holds, checking every 10 ms, for at most `ms`. */
export async function eventually(condition, ms = 5000) {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms: ${condition}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * Runs `fixtures/child.mjs mode` in its own process. Resolves with its exit code (a signal
 * name if killed) and output; the code is `null` if it was still running after `ms`.
 */
export function runChild(mode, ms) {
  const script = new URL('./fixtures/child.mjs', import.meta.url).pathname
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ code: null, output })
    }, ms)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal, output })
    })
  })
}
