import assert from 'node:assert/strict'
import { test } from 'node:test'

import { DevLink3Error } from '../lib/index.js'
import { CALL_LOST, connectTo, nextEvent, startSimulator } from './helpers.mjs'

test('readFile returns the octets of a PBX file', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const contents = await link.readFile('nasystem/user_list')
  assert.ok(Buffer.isBuffer(contents))
  const lines = contents.toString('latin1').split('\r\n')
  assert.equal(lines[0], 'René,4000,René Müller')
  assert.equal(sim.stats().filesRead, 1)
})

test('users() parses nasystem/user_list while events keep flowing', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const event = nextEvent(link, 'delta3')
  sim.injectDelta3(CALL_LOST)
  const users = await link.users()
  assert.equal((await event).record.kind, 'call_lost')
  assert.equal(users.length, 40)
  assert.deepEqual(users[0], {
    name: 'René',
    extension: '4000',
    fullName: 'René Müller',
    fields: ['René', '4000', 'René Müller'],
  })
})

test('reading a missing file rejects with the PBX code', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  await assert.rejects(link.readFile('nasystem/nothing'), (error) => {
    assert.ok(error instanceof DevLink3Error)
    assert.equal(error.code, 'READ_FILE_FAILED')
    assert.equal(error.pbxCode, 0x80000004)
    assert.match(error.message, /nasystem\/nothing/)
    return true
  })
})

test('reading from a closed link rejects with CLOSED', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  await link.close()
  await assert.rejects(link.users(), { name: 'DevLink3Error', code: 'CLOSED' })
})
