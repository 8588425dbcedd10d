import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Link, connect } from '../lib/index.js'
import { CALL_LOST, CREDENTIALS, eventually, nextEvent, startSimulator, subscribed } from './helpers.mjs'

test('100 connect and close cycles', async (t) => {
  const sim = startSimulator(t)
  for (let i = 0; i < 100; i++) {
    const link = await connect({ target: sim.target, ...CREDENTIALS })
    assert.equal(link.state.state, 'operational')
    await link.close()
    assert.equal(link.closed, true)
  }
  const stats = sim.stats()
  assert.equal(stats.connectionsAccepted, 100)
  assert.equal(stats.authAttempts, 100)
  await eventually(() => sim.stats().connectionsActive === 0)
})

test('close is idempotent, emits close, and stops delivery at once', async (t) => {
  const sim = startSimulator(t)
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  let delivered = 0
  link.on('delta3', () => delivered++)
  const closed = nextEvent(link, 'close', () => true)
  sim.injectDelta3(CALL_LOST)
  const closing = link.close()
  assert.equal(link.close(), closing)
  await closing
  await closed
  assert.equal(delivered, 0)
  assert.equal(link.state.state, 'closed')
})

test('new Link() starts without waiting and reports its states', async (t) => {
  const sim = startSimulator(t)
  const link = new Link({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  assert.equal(link.state, null)
  await nextEvent(link, 'link_state', (state) => state.state === 'operational')
})

test('an unref-ed link can still be ref-ed and used', async (t) => {
  const sim = startSimulator(t)
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  assert.equal(link.unref(), link)
  assert.equal(link.ref(), link)
  const event = nextEvent(link, 'delta3')
  await subscribed(sim)
  sim.injectDelta3(CALL_LOST)
  assert.equal((await event).record.kind, 'call_lost')
})
