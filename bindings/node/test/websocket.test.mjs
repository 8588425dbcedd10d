import assert from 'node:assert/strict'
import { test } from 'node:test'

import { connect } from '../lib/index.js'
import { ANSWERED_CALL, CREDENTIALS, startSimulator, subscribed } from './helpers.mjs'

test('DevLink3 over ws:// with an HTTP Digest login', async (t) => {
  const sim = startSimulator(t, { ws: '127.0.0.1:0', wsPath: '/devlink3' })
  assert.match(sim.wsTarget, /^ws:\/\/127\.0\.0\.1:\d+\/devlink3$/)
  const link = await connect({
    target: sim.wsTarget,
    ...CREDENTIALS,
    websocket: { httpAuth: 'digest', headers: [['X-Site', 'lab']] },
  })
  t.after(() => link.close())
  const detail = new Promise((resolve) => link.once('delta3', resolve))
  await subscribed(sim)
  sim.injectDelta3(ANSWERED_CALL)
  const event = await detail
  assert.equal(event.record.raw, ANSWERED_CALL)
  assert.equal(sim.stats().httpAuthFailures, 0)
})

test('a wrong HTTP password is one clear 401, not a retry loop', async (t) => {
  const sim = startSimulator(t, { ws: '127.0.0.1:0' })
  await assert.rejects(connect({ target: sim.wsTarget, user: 'devlink3', password: 'wrong' }), (error) => {
    assert.equal(error.code, 'REJECTED')
    assert.match(error.message, /401/)
    return true
  })
  assert.equal(sim.stats().httpAuthFailures, 1)
})

test('Basic over plain ws:// is refused unless allowed', async (t) => {
  const sim = startSimulator(t, { ws: '127.0.0.1:0', wsAuth: 'basic' })
  await assert.rejects(connect({ target: sim.wsTarget, ...CREDENTIALS }), /clear text/)
  const link = await connect({
    target: sim.wsTarget,
    ...CREDENTIALS,
    websocket: { httpAuth: 'basic', allowBasicOverCleartext: true },
  })
  await link.close()
})
