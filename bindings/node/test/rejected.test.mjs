import assert from 'node:assert/strict'
import { test } from 'node:test'

import { DevLink3Error, connect } from '../lib/index.js'
import { CREDENTIALS, connectTo, eventually, nextEvent, startSimulator } from './helpers.mjs'

/** Locks the service user out (one wrong password does it here), then drops the link. */
async function lockOutAndDrop(sim) {
  await assert.rejects(connect({ target: sim.target, user: CREDENTIALS.user, password: 'wrong' }), {
    code: 'AUTHENTICATION_FAILED',
  })
  await eventually(() => sim.stats().users.devlink3.lockedOut)
  sim.dropConnections()
}

test('a link the PBX rejects for good on reconnecting emits error, then closes', async (t) => {
  const sim = startSimulator(t, { lockoutAfter: 1 })
  const link = await connectTo(t, sim, { reconnect: { initialDelayMs: 20 } })
  const error = nextEvent(link, 'error')
  const closed = nextEvent(link, 'close')
  await lockOutAndDrop(sim)
  const failure = await error
  assert.ok(failure instanceof DevLink3Error)
  assert.equal(failure.code, 'AUTHENTICATION_FAILED')
  assert.equal(failure.pbxCode, 0x80000041)
  await closed
  assert.equal(link.state.state, 'closed')
  assert.equal(sim.stats().users.devlink3.attempts, 3, 'the link tried once after the drop, and stopped')
})

test('an iterator over a link the PBX rejects for good throws the error', async (t) => {
  const sim = startSimulator(t, { lockoutAfter: 1 })
  const link = await connectTo(t, sim, { reconnect: { initialDelayMs: 20 } })
  const states = []
  const consumer = (async () => {
    for await (const event of link) if (event.type === 'link_state') states.push(event.state)
  })()
  await lockOutAndDrop(sim)
  await assert.rejects(consumer, { name: 'DevLink3Error', code: 'AUTHENTICATION_FAILED' })
  // The first 'operational' reaches the iterator only when it starts before that state is
  // emitted: a race of the test's, not part of what is checked.
  const afterDrop = states[0] === 'operational' ? states.slice(1) : states
  assert.deepEqual(afterDrop, ['no_response', 'connecting', 'rejected'])
})
