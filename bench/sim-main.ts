import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { startControlServer } from '../sim/control-http.js'
import { startSimulator } from '../sim/index.js'

/**
 * The protocol simulator as its own process, like sim/cli.ts, plus one bench route: how many
 * messages the simulator received. The control API's GET /received returns every message body,
 * too heavy to poll while tens of thousands of messages arrive.
 */
const { values } = parseArgs({ options: { 'ack-only': { type: 'boolean', default: false } } })

const sim = await startSimulator({ host: '127.0.0.1', logger: pino({ level: 'warn' }), ackOnly: values['ack-only'] })
const control = await startControlServer(sim, { host: '127.0.0.1' })

let received = 0
let lastReceivedAt = 0
sim.onReceived(() => {
  received++
  lastReceivedAt = Date.now()
})
const counter = createServer((req, res) => {
  if (req.url !== '/received-count') return void res.writeHead(404).end()
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: received, lastAt: lastReceivedAt }))
})
await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve))

const ready = {
  url: sim.url,
  rootPublicKeyB64: sim.rootPublicKeyB64,
  controlUrl: control.url,
  countUrl: `http://127.0.0.1:${(counter.address() as AddressInfo).port}/received-count`,
  mediaCaPem: sim.mediaCaPem,
}
process.stdout.write(`BENCH_SIM_READY ${JSON.stringify(ready)}\n`)

const shutdown = async (): Promise<void> => {
  counter.close()
  await control.close()
  await sim.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
