import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'

import { DevLink3Error, Simulator, connect } from '../lib/index.js'
import { CREDENTIALS, startSimulator } from './helpers.mjs'

test('a wrong password rejects with AUTHENTICATION_FAILED after one attempt', async (t) => {
  const sim = startSimulator(t)
  await assert.rejects(connect({ target: sim.target, user: 'devlink3', password: 'wrong' }), (error) => {
    assert.ok(error instanceof DevLink3Error)
    assert.equal(error.code, 'AUTHENTICATION_FAILED')
    assert.equal(error.pbxCode, 0x80000041)
    return true
  })
  await sleep(1500) // longer than the first reconnect delay: nothing may retry
  const stats = sim.stats()
  assert.equal(stats.authAttempts, 1)
  assert.equal(stats.authFailures, 1)
  assert.equal(stats.users.devlink3.attempts, 1)
  assert.equal(stats.users.devlink3.lockedOut, false)
  assert.equal(stats.connectionsActive, 0, 'the rejected link was closed')
})

test('a missing licence rejects with LICENCE_MISSING', async (t) => {
  const sim = startSimulator(t, { licenceMissing: true })
  await assert.rejects(connect({ target: sim.target, ...CREDENTIALS }), {
    code: 'LICENCE_MISSING',
    pbxCode: 0x80000044,
  })
})

test('an unreachable PBX rejects with NO_RESPONSE', async () => {
  const sim = new Simulator()
  sim.start()
  const target = sim.target
  await sim.stop()
  await assert.rejects(connect({ target, ...CREDENTIALS, connectTimeoutMs: 2000 }), (error) => {
    assert.ok(error instanceof DevLink3Error)
    assert.equal(error.code, 'NO_RESPONSE')
    assert.equal(error.pbxCode, null)
    return true
  })
})

test('invalid options reject with INVALID_CONFIG', async () => {
  await assert.rejects(connect({ target: 'ftp://pbx', ...CREDENTIALS }), { code: 'INVALID_CONFIG' })
  await assert.rejects(connect({ target: 'pbx', ...CREDENTIALS, tls: { pinSha256: 'abc' } }), {
    code: 'INVALID_CONFIG',
  })
  await assert.rejects(connect({ target: 'pbx' }), { name: 'DevLink3Error', code: 'INVALID_CONFIG' })
  await assert.rejects(connect(), { code: 'INVALID_CONFIG' })
})

test('PLAIN offered on a cleartext link is refused without sending the password', async (t) => {
  const sim = startSimulator(t, { plainAuth: true, plainOnCleartext: true })
  await assert.rejects(connect({ target: sim.target, ...CREDENTIALS }), { code: 'REJECTED', pbxCode: null })
  assert.equal(sim.stats().authFailures, 0)
})
