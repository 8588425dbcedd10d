import assert from 'node:assert/strict'
import { test } from 'node:test'

import { CALL_LOST, connectTo, nextEvent, record, runChild, startSimulator } from './helpers.mjs'

test('a throwing listener is reported on error and the stream goes on', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const errors = record(link, 'error')
  const boom = new Error('boom')
  let calls = 0
  link.on('delta3', () => {
    calls++
    throw boom
  })
  const others = record(link, 'delta3')
  for (let i = 0; i < 3; i++) sim.injectDelta3(CALL_LOST)
  for (let i = 0; i < 3; i++) await others.next()
  assert.equal(calls, 3, 'the throwing listener got every event')
  const error = await errors.next()
  assert.equal(error.name, 'DevLink3Error')
  assert.equal(error.code, 'LISTENER_ERROR')
  assert.equal(error.cause, boom)
  assert.match(error.message, /'delta3' listener threw: boom/)
  assert.equal(errors.events.length, 3)
})

test('a rejecting async listener is reported on error too', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  link.on('delta3', async () => {
    throw new Error('later')
  })
  const error = nextEvent(link, 'error')
  sim.injectDelta3(CALL_LOST)
  assert.equal((await error).cause.message, 'later')
})

test('with no error listener, a listener error is an uncaught exception and the stream goes on', async () => {
  const { code, output } = await runChild('throw', 15000)
  assert.equal(code, 0, output)
  assert.match(output, /event 1\n/)
  assert.match(output, /uncaught LISTENER_ERROR: first\n/)
  assert.match(output, /event 2\n/)
})
