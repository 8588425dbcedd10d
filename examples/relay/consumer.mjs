// Follow a devlink3 relay's stream from where this consumer left off (a durable consumer).
//
//   npm install nats
//   node examples/relay/consumer.mjs nats://127.0.0.1:4222 [SITE]
//
// Each message is the document `devlink3 tail` prints (or a call event: see the README).
// Acknowledged after handling: a restarted consumer goes on with the first it had not
// acknowledged.

import { AckPolicy, connect } from 'nats'

const [url = 'nats://127.0.0.1:4222', site = '*'] = process.argv.slice(2)
const nc = await connect({ servers: url })
const jsm = await nc.jetstreamManager()
const durable = `example-node-${site === '*' ? 'all' : site}`
await jsm.consumers.add('DEVLINK3', {
  durable_name: durable,
  ack_policy: AckPolicy.Explicit,
  filter_subject: `devlink3.${site}.>`,
})
const consumer = await nc.jetstream().consumers.get('DEVLINK3', durable)
for await (const message of await consumer.consume()) {
  const event = message.json()
  console.log(message.subject, event.type ?? event.event)
  message.ack()
}
