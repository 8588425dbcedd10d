// Issue 11: nothing lost before the application is ready, and absurd options refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { connect } from '../lib/index.js'
import { CREDENTIALS, eventually, startSimulator } from './helpers.mjs'

test('a delta3 listener attached after an await gets every record, snapshot first', async (t) => {
  // Calls start at once: by the time the listener is attached there are calls in progress.
  const sim = startSimulator(t, { rate: 50 })
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  await link.users() // a real await, as applications do before attaching listeners
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(sim.stats().connectionsSubscribed, 0, 'no listener for records yet, so no event request')
  assert.ok(sim.stats().callsInProgress > 0)
  const received = []
  link.on('delta3', (event) => received.push(event))
  await eventually(() => sim.stats().connectionsSubscribed === 1)
  await new Promise((resolve) => setTimeout(resolve, 300))
  sim.setRate(0)
  await eventually(() => received.length > 0 && received.length === sim.stats().eventsSent, 10000)
  assert.equal(received[0].record.kind, 'detail', 'the snapshot of calls in progress comes first')
})

test('an async iterator subscribes the link', async (t) => {
  const sim = startSimulator(t, { rate: 50 })
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  await new Promise((resolve) => setTimeout(resolve, 300))
  sim.setRate(0)
  for await (const event of link) {
    if (event.type === 'delta3') {
      assert.equal(event.record.kind, 'detail')
      break
    }
  }
})

test('absurd queue capacities are refused with the limit named', async (t) => {
  const sim = startSimulator(t)
  for (const queueCapacity of [-1, 0, 0.5, 1048577, 4294967295, 1e12, Number.NaN]) {
    await assert.rejects(
      connect({ target: sim.target, ...CREDENTIALS, queueCapacity }),
      (error) => error.code === 'INVALID_CONFIG' && /queueCapacity: .* out of range: a whole number from 1 to 1048576/.test(error.message),
      `queueCapacity ${queueCapacity}`,
    )
  }
  const link = await connect({ target: sim.target, ...CREDENTIALS, queueCapacity: 1048576 })
  await link.close()
})
