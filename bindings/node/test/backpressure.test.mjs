import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

import { CALL_LOST, connectTo, startSimulator } from './helpers.mjs'

test('an iterator that falls behind holds delivery back: the oldest events are missed, not buffered', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim, { queueCapacity: 256 })
  const total = 60000
  const blast = sim.blast(total, CALL_LOST)
  let received = 0
  let missed = 0
  const reasons = new Set()
  for await (const event of link) {
    if (event.type === 'delta3') received++
    if (event.type === 'missed') {
      missed += event.count
      reasons.add(event.reason)
    }
    if (received === 1) {
      // Fall behind by the whole blast.
      assert.equal((await blast).eventsSent, total)
      await sleep(300)
    }
    if (received + missed === total) break // every event is accounted for
  }
  assert.ok(reasons.has('slow_consumer'), `missed for ${[...reasons]}`)
  assert.ok(received < total / 2, `${received} received: the iterator buffered more than it may`)
})
