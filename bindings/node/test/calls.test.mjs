// The call model in Node: `link.on('call')`, `for await (... of link.calls())`, and the
// simulator's truth.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Simulator, connect } from '../lib/index.js'
import { CREDENTIALS, connectTo, record, startSimulator, subscribed } from './helpers.mjs'

const RINGING =
  '<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>' +
  '<PartyA>c0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>' +
  '<Target_list><Target>c0a82a0300000407,0,0,8,106,,4001,0,4,,,200,901707123456,100</Target></Target_list></Detail>'
const ANSWERED =
  '<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>' +
  '<PartyA>c0a82a0300002329,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>' +
  '<PartyB>c0a82a0300000407,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>'
const SEQUENCE = [
  RINGING,
  ANSWERED,
  '<CallLost>c0a82a03,c0a82a0300000407,1,16</CallLost>',
  '<CallLost>c0a82a03,c0a82a0300002329,0,16</CallLost>',
]

test("on('call') emits the call documents, camelCase", async (t) => {
  const sim = startSimulator(t)
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  const calls = record(link, 'call')
  await subscribed(sim, 1)
  for (const text of SEQUENCE) sim.injectDelta3(text)
  const seen = []
  for (;;) {
    const event = await calls.next()
    seen.push(event)
    if (event.event === 'ended') break
  }
  assert.deepEqual(
    seen.filter((e) => e.event !== 'extension').map((e) => e.event),
    ['started', 'ringing', 'answered', 'party_left', 'ended'],
  )
  const ended = seen.at(-1).call
  assert.equal(ended.direction, 'inbound')
  assert.equal(ended.answeredBy, '4001')
  assert.equal(ended.callId, 3)
  assert.equal(ended.summary.disposition, 'answered')
  assert.equal(ended.summary.clearedBy, '4001')
  assert.equal(typeof ended.summary.talkSeconds, 'number')
  assert.deepEqual(
    seen.filter((e) => e.event === 'extension').map((e) => [e.extension, e.state]),
    [['4001', 'ringing'], ['4001', 'talking'], ['4001', 'idle']],
  )
})

test('for await over link.calls(), beside a delta3 listener', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const records = record(link, 'delta3')
  const iterator = link.calls()
  for (const text of SEQUENCE) sim.injectDelta3(text)
  const kinds = []
  for await (const event of iterator) {
    if (event.event !== 'extension') kinds.push(event.event)
    if (event.event === 'ended') break
  }
  assert.deepEqual(kinds, ['started', 'ringing', 'answered', 'party_left', 'ended'])
  assert.equal(records.events.length, 4, 'the delta3 listener got every record')
  assert.deepEqual(link.callState(), { calls: [], extensions: { 4001: 'idle' } })
})

test('the call model agrees with the simulator truth', async (t) => {
  const sim = new Simulator({ rate: 30, seed: 11 })
  sim.start()
  t.after(() => sim.stop())
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  const ended = new Map()
  link.on('call', (event) => {
    if (event.event === 'ended') ended.set(event.call.id, event.call)
  })
  await new Promise((resolve) => setTimeout(resolve, 15000))
  await link.close()
  let compared = 0
  for (const truth of sim.takeTruths()) {
    const call = ended.get(truth.id)
    if (call === undefined) continue
    compared++
    assert.equal(call.direction, truth.direction, JSON.stringify({ call, truth }))
    assert.equal(call.caller, truth.caller)
    assert.equal(call.called, truth.called)
    assert.equal(call.answeredBy, truth.answeredBy ?? null)
    assert.equal(call.summary.disposition, truth.disposition)
    assert.ok(Math.abs(call.summary.talkSeconds - truth.talkSeconds) <= 0.5, JSON.stringify({ call, truth }))
  }
  assert.ok(compared >= 10, `only ${compared} calls compared`)
})

test('a scripted call flow plays without a PBX', async (t) => {
  const script = [
    {
      at: 0.3,
      from: '01632960123',
      to: '200',
      steps: [
        { after: 1, action: 'answer', extension: '4001' },
        { after: 1, action: 'transfer', extension: '4002' },
        { after: 1, action: 'answer' },
        { after: 1, action: 'hangup' },
      ],
    },
  ]
  const sim = new Simulator({ script: JSON.stringify(script) })
  sim.start()
  t.after(() => sim.stop())
  const link = await connect({ target: sim.target, ...CREDENTIALS })
  t.after(() => link.close())
  const kinds = []
  let ended = null
  for await (const event of link.calls()) {
    if (event.event !== 'extension') kinds.push(event.event)
    if (event.event === 'ended') {
      ended = event.call
      break
    }
  }
  assert.ok(kinds.includes('transferred') && kinds.includes('party_joined'), kinds.join())
  assert.equal(ended.answeredBy, '4001')
  assert.deepEqual(sim.takeTruths().map((truth) => truth.answeredBy), ['4001'])
})

test('a wrong script is refused, naming the call and step', () => {
  const sim = new Simulator({ script: '[{"from": "4001", "to": "4002", "steps": [{"action": "hold"}]}]' })
  assert.throws(() => sim.start(), /script call 1 \(4001 to 4002\): step 1 \(Hold\): not possible/)
})
