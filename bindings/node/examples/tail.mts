// Prints the call events of an IP Office as they happen; without DEVLINK3_TARGET, of a
// simulated one making five calls a second.
//
//   DEVLINK3_TARGET=tls://pbx DEVLINK3_PIN=ab:cd:... DEVLINK3_USER=... DEVLINK3_PASSWORD=... \
//     node --experimental-strip-types examples/tail.mts     (Node 22.6+; or npx tsx)

import { connect, DevLink3Error, Simulator, type LinkEvent } from 'devlink3'

function describe(event: LinkEvent): string {
  switch (event.type) {
    case 'delta3': {
      const record = event.record
      switch (record.kind) {
        case 'detail': {
          const { call, partyA, partyB, targets } = record
          const to = partyB ? `${partyB.identity || partyB.cli} (${partyB.state})` : targets.map((t) => t.identity).join(', ')
          return `call ${call.callId}: ${partyA.identity || partyA.cli} (${partyA.state}) -> ${to}`
        }
        case 'call_lost':
        case 'link_lost':
          return `end ${record.endId} gone: ${record.cause}`
        case 'attempt_reject':
          return `${record.user} pushed back call end ${record.endId} (${record.qualifier})`
      }
    }
    case 'delta2':
      return event.record.raw
    case 'sip_track':
      return `SIP ${event.record.event} ${event.record.sipCallId}`
    case 'cm_extn':
      return `${event.record.extension}: ${event.record.message}`
    case 'cm_extn_state':
      return `${event.record.extension}: v=${event.record.v}`
    case 'unparsed':
      return `unparsed record: ${event.error}`
    case 'link_state':
      return event.state === 'operational' ? `link up: ${event.pbxType}` : `link ${event.state}`
    case 'missed':
      return `${event.count} events missed (${event.reason})`
  }
}

const target = process.env.DEVLINK3_TARGET
const sim = target ? null : new Simulator({ rate: 5 })
sim?.start()

try {
  const link = await connect({
    target: target ?? sim!.target,
    user: process.env.DEVLINK3_USER ?? 'devlink3',
    password: process.env.DEVLINK3_PASSWORD ?? 'devlink3',
    tls: process.env.DEVLINK3_PIN ? { pinSha256: process.env.DEVLINK3_PIN } : undefined,
  })
  console.log(`${(await link.users()).length} users`)
  link.on('error', (error) => console.error(`link failed: ${error.code}`))
  process.once('SIGINT', () => void link.close())
  for await (const event of link) console.log(describe(event))
} catch (error) {
  if (!(error instanceof DevLink3Error)) throw error
  console.error(`cannot connect: ${error.code}${error.pbxCode === null ? '' : ` (0x${error.pbxCode.toString(16)})`}`)
  process.exitCode = 1
} finally {
  await sim?.stop()
}
