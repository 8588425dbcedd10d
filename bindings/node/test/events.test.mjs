import assert from 'node:assert/strict'
import { test } from 'node:test'

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { PartyFlags, connect } from '../lib/index.js'
import { ANSWERED_CALL, CALL_LOST, RINGING_CALL, connectTo, nextEvent, record, startSimulator, eventually } from './helpers.mjs'

test('Delta3 records reach delta3 listeners as typed objects', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  sim.injectDelta3(ANSWERED_CALL)
  sim.injectDelta3(RINGING_CALL)
  sim.injectDelta3(CALL_LOST)
  const [answeredEvent, ringingEvent, last] = [await delta3.next(), await delta3.next(), await delta3.next()]
  assert.equal(answeredEvent.type, 'delta3')
  assert.equal(answeredEvent.pbxIp, '192.168.42.3')
  assert.deepEqual(Object.keys(answeredEvent), ['type', 'pbxIp', 'counter', 'record'], 'the document, camelCase')
  const answered = answeredEvent.record
  const ringing = ringingEvent.record
  assert.equal(answered.kind, 'detail')
  assert.equal(answered.raw, ANSWERED_CALL)
  assert.deepEqual(answered.call, {
    node: 'c0a82a03',
    callId: 4,
    accountCode: '',
    authorizationCode: '',
    tag: '',
    transferCause: 0,
    ownerHuntgroup: '',
    originalHuntgroup: '200',
    originalUser: '',
    targetHuntgroup: '200',
    targetUser: '',
    voicemailLeaving: 0,
    voicemailLength: 0,
    queueing: 'not queueing',
    timestamp: 0,
    huntgroupOverflow: 0,
    ivrTransferredOut: '',
    ivrTime: 0,
  })
  const a = answered.partyA
  assert.equal(a.endId, 'c0a82a030000232a')
  assert.equal(a.incoming, true)
  assert.equal(a.state, 'Connected')
  assert.equal(a.audioPath, true)
  assert.equal(a.tone, 'no tone')
  assert.equal(a.publicLine, true)
  assert.equal(a.equipment, 'ISDNTrunk')
  assert.equal(a.description, '5.23')
  assert.equal(a.did, '5678')
  assert.equal(a.cli, '01707123456')
  assert.equal(a.cliPresentation, 'Unspecified')
  const b = answered.partyB
  assert.equal(b.incoming, false)
  assert.equal(b.equipment, 'TDMPhone')
  assert.equal(b.equipmentType, 106)
  assert.equal(b.identity, '4001')
  assert.equal(b.calledReason, 4)
  assert.equal(b.purpose, '200')
  assert.deepEqual(b.flags, [], 'the flags set, by name')
  assert.equal(PartyFlags.PRIVACY, 1)
  assert.deepEqual(answered.targets, [])

  assert.equal(ringing.partyA.state, 'Ringback')
  assert.equal(ringing.partyB, null)
  assert.deepEqual(
    ringing.targets.map((target) => [target.endId, target.identity, target.equipment]),
    [
      ['c0a82a03000003fe', '4002', 'TDMPhone'],
      ['c0a82a03000003ff', '4003', 'TDMPhone'],
    ],
  )

  assert.deepEqual(last, {
    type: 'delta3',
    pbxIp: '192.168.42.3',
    counter: answeredEvent.counter + 2,
    record: {
      kind: 'call_lost',
      node: 'c0a82a03',
      endId: 'c0a82a0300000413',
      clearedInbound: true,
      cause: 'CMCauseNormal',
      timestamp: 1234,
      raw: CALL_LOST,
    },
  })
})

test('other Delta3 records, and codes the specification does not name', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const delta3 = record(link, 'delta3')
  sim.injectDelta3('<LinkLost>c0a82a03,c0a82a0300000413,0,99,55,7.1</LinkLost>')
  sim.injectDelta3('<AttemptReject>c0a82a03,c0a82a03000003fe,4002,dnd,77</AttemptReject>')
  const linkLost = (await delta3.next()).record
  assert.equal(linkLost.kind, 'link_lost')
  assert.equal(linkLost.cause, 99, 'an unnamed cause stays a number')
  assert.equal(linkLost.linkRef, '7.1')
  const reject = (await delta3.next()).record
  assert.equal(reject.kind, 'attempt_reject')
  assert.equal(reject.user, '4002')
  assert.equal(reject.qualifier, 'dnd')
  assert.equal(reject.timestamp, 77)
})

test('the async iterator yields every event in order and ends on close', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  const seen = []
  const consumer = (async () => {
    for await (const event of link) {
      // The operational state may come again first: the link subscribed after connect().
      if (event.type === 'link_state') continue
      seen.push(event)
      if (event.type === 'delta3' && event.record.kind === 'call_lost') await link.close()
    }
  })()
  sim.injectDelta3(ANSWERED_CALL)
  sim.injectDelta3(CALL_LOST)
  await consumer
  assert.deepEqual(
    seen.map((event) => event.record.kind),
    ['detail', 'call_lost'],
  )
  assert.equal(seen[1].counter, seen[0].counter + 1)
})

test('breaking out of the iterator leaves the link running', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  sim.injectDelta3(ANSWERED_CALL)
  for await (const event of link) {
    // The operational state may come again first: the link subscribed after connect().
    if (event.type === 'link_state') continue
    assert.equal(event.record.kind, 'detail')
    break
  }
  sim.injectDelta3(CALL_LOST)
  const event = await nextEvent(link, 'delta3')
  assert.equal(event.record.kind, 'call_lost')
})

test('Delta2 records with -CD2', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim, { flags: '-CD2' })
  // Subscribed after connect() resolved: the state is reported again with the flags.
  await eventually(() => link.state.acceptedFlags.includes('-CD2'))
  assert.deepEqual(link.state.acceptedFlags, ['-CD2'])
  const delta2 = record(link, 'delta2')
  const text = 'CALL: S 1.2.0,1.3.1,2,12,1,0,1,0,Extn4001,Extn4002,Extn4002;Extn4003'
  sim.injectDelta2(text)
  sim.injectDelta2('CALL: D 1.2.0,1.3.1,4711')
  const statusEvent = await delta2.next()
  assert.equal(statusEvent.type, 'delta2')
  const status = statusEvent.record
  assert.deepEqual(Object.keys(status).slice(0, 3), ['kind', 'fields', 'raw'], "the document's, then named fields")
  assert.equal(status.kind, 'S')
  assert.equal(status.raw, text)
  assert.equal(status.aCallId, '1.2.0')
  assert.equal(status.bCallId, '1.3.1')
  assert.equal(status.aState, 'Connected')
  assert.equal(status.bState, 'Held')
  assert.equal(status.aConnected, true)
  assert.equal(status.aName, 'Extn4001')
  assert.deepEqual(status.bTargets, ['Extn4002', 'Extn4003'])
  assert.equal(status.fields.length, 11)
  assert.equal(status.fields[0], '1.2.0')
  const deleted = (await delta2.next()).record
  assert.equal(deleted.kind, 'D')
  assert.equal(deleted.callId, 4711)
})

test('SIPTrack and CMExtn events', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim, { flags: '_SIPTrack _CMExtn' })
  const cmextn = record(link, 'cm_extn')
  const cmextnState = record(link, 'cm_extn_state')
  const siptrack = 'START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d'
  sim.injectSiptrack(siptrack)
  assert.deepEqual(await nextEvent(link, 'sip_track'), {
    type: 'sip_track',
    pbxIp: '192.168.42.3',
    counter: 1,
    record: {
      event: 'START',
      epid: 'c0a82a1f000003eb',
      endId: '17.1003.1',
      sipType: 'TRUNK',
      direction: 'IN',
      sipCallId: '0f5757c5c504c74197be9699697eab8d',
      raw: siptrack,
    },
  })
  sim.injectCmextn('Extn4001: CALL LOST (CMCauseForceIdle)')
  const text = (await cmextn.next()).record
  assert.equal(text.extension, 'Extn4001')
  assert.equal(text.message, 'CALL LOST (CMCauseForceIdle)')
  assert.equal(text.cause, 'CMCauseForceIdle')
  sim.injectCmextnState(1, 2, 0, 'Extn865001')
  const state = (await cmextnState.next()).record
  assert.equal(state.extension, 'Extn865001')
  assert.deepEqual([state.v, state.p1, state.p2], [1, 2, 0])
  assert.equal(state.newState, 'Dialling')
  assert.equal(state.oldState, 'Idle')
})

test('states and missed events', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  assert.equal(link.state.type, 'link_state')
  assert.equal(link.state.state, 'operational')
  assert.equal(link.state.pbxType, 'Avaya IP500v2 12.2.0.0 build 1')
  assert.equal(link.state.variant, 'Standard 1.0')
  assert.equal(link.state.encrypted, false)
  const delta3 = record(link, 'delta3')
  sim.injectDelta3(CALL_LOST)
  await delta3.next()
  sim.skipCounter(5)
  sim.injectDelta3(CALL_LOST)
  assert.deepEqual(await nextEvent(link, 'missed'), { type: 'missed', count: 5, reason: 'counter_gap' })
})

test('TLS with a pinned certificate', async (t) => {
  const sim = startSimulator(t, { tls: '127.0.0.1:0' })
  const link = await connectTo(t, sim, { target: sim.tlsTarget, tls: { pinSha256: sim.fingerprintSha256 } })
  assert.equal(link.state.encrypted, true)
  sim.injectDelta3(CALL_LOST)
  assert.equal((await nextEvent(link, 'delta3')).record.kind, 'call_lost')
})

test('a simulator with mutual TLS rejects a client without a certificate', async (t) => {
  const issuer = startSimulator(t, { tls: '127.0.0.1:0' })
  const dir = mkdtempSync(join(tmpdir(), 'devlink3-mtls-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const ca = join(dir, 'clients-ca.pem')
  writeFileSync(ca, issuer.certificatePem)
  const sim = startSimulator(t, { tls: '127.0.0.1:0', clientCaFile: ca })
  await assert.rejects(
    connect({ target: sim.tlsTarget, user: 'devlink3', password: 'devlink3', tls: { pinSha256: sim.fingerprintSha256 } }),
    (error) => /certificate/.test(error.message),
  )
  assert.equal(sim.stats().authAttempts, 0, 'refused before any login')
})

test('a record that does not parse arrives as unparsed, with the reason', async (t) => {
  const sim = startSimulator(t)
  const link = await connectTo(t, sim)
  sim.injectDelta3('<Detail><Call>c0a82a03,not-a-number</Call><PartyA></PartyA></Detail>')
  const event = await nextEvent(link, 'unparsed')
  assert.equal(event.type, 'unparsed')
  assert.match(event.text, /not-a-number/)
  assert.match(event.error, /CallID/)
})
