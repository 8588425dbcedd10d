import assert from 'node:assert/strict'
import { test } from 'node:test'

import { CALL_LOST, connectTo, eventually, record, startSimulator } from './helpers.mjs'

test('the link reconnects after the connection drops, and events flow again', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim, { reconnect: { initialDelayMs: 50 } })
  const states = record(link, 'link_state')
  const delta3 = record(link, 'delta3')
  sim.dropConnections()
  const lost = await states.next((state) => state.state === 'no_response')
  assert.ok(lost.retryInMs >= 0)
  assert.equal(typeof lost.reason, 'string')
  await states.next((state) => state.state === 'connecting')
  await states.next((state) => state.state === 'operational')
  assert.equal(link.state.state, 'operational')
  await eventually(() => sim.stats().connectionsAuthenticated === 1)
  sim.injectDelta3(CALL_LOST)
  assert.equal((await delta3.next()).record.kind, 'call_lost')
  assert.equal(sim.stats().connectionsAccepted, 2)
})
