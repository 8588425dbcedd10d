// Events per second into JS: the simulator blasts Delta3 Detail records over loopback to a
// link, whose 'delta3' listener counts them. Simulator, network and decoding all share this
// process (and its cores), so the figure is a floor for a link to a real IP Office.
//
//   node bench.mjs [events=1000000]   (build with `npm run build` first: release)

import { connect, Simulator } from './lib/index.js'

// The specification's answered ISDN call (§6.7.1.3), with the field the printed copy lost
// restored (spec-errata.md §2), as the CLI's `devlink3 bench` sends.
const ANSWERED_CALL_DETAIL =
  '<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call>' +
  '<PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>' +
  '<PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>'

const events = Number(process.argv[2] ?? 1_000_000)

const sim = new Simulator()
sim.start()
const link = await connect({ target: sim.target, user: 'devlink3', password: 'devlink3', queueCapacity: 65536 })

let received = 0
let missed = 0
let done
const finished = new Promise((resolve) => (done = resolve))
link.on('delta3', (event) => {
  if (event.record.partyA.endId.length !== 16) throw new Error('a field did not decode')
  received++
  if (received + missed >= events) done()
})
link.on('missed', (event) => {
  missed += event.count
  if (received + missed >= events) done()
})

// The simulator blasts only to subscribed links: wait until it has seen ours (the 'delta3'
// listener subscribed it).
for (const deadline = Date.now() + 10_000; sim.stats().connectionsSubscribed < 1; ) {
  if (Date.now() > deadline) throw new Error('the link did not subscribe within 10 s')
  await new Promise((resolve) => setTimeout(resolve, 5))
}

const cpuBefore = process.cpuUsage()
const start = process.hrtime.bigint()
const blast = sim.blast(events, ANSWERED_CALL_DETAIL)
await finished
const seconds = Number(process.hrtime.bigint() - start) / 1e9
const cpu = process.cpuUsage(cpuBefore)
const report = await blast

console.log(`events:     ${received} received, ${missed} missed, ${report.eventsSent} sent`)
console.log(`elapsed:    ${seconds.toFixed(3)} s`)
console.log(`throughput: ${Math.round(received / seconds)} events/s into JS`)
console.log(`cpu:        ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (simulator included)`)
console.log(`peak RSS:   ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`)

await link.close()
await sim.stop()
