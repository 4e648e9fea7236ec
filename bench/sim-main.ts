import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { startControlServer } from '../sim/control-http.js'
import { startSimulator } from '../sim/index.js'

/**
 * The protocol simulator as its own process, like sim/cli.ts, plus bench routes: how many
 * messages the simulator received (and how many again), the connection log from an offset on, and for a group how often
 * its metadata was asked for and how many member phones decrypted its messages. The control API's
 * GET /received and GET /connections return everything so far, too heavy to poll.
 */
const { values } = parseArgs({ options: { 'ack-only': { type: 'boolean', default: false } } })

const sim = await startSimulator({ host: '127.0.0.1', logger: pino({ level: 'warn' }), ackOnly: values['ack-only'] })
const control = await startControlServer(sim, { host: '127.0.0.1' })

let received = 0
let lastReceivedAt = 0
/** Messages received again: counted apart, so a duplicate cannot stand in for a message that never came. */
let duplicates = 0
/** Sender and id of the messages received lately (a duplicate comes soon after its first), oldest first. */
const recentIds = new Set<string>()
const RECENT_IDS = 500_000
/** group JID -> how many member phones decrypted its messages, summed over the messages */
const groupDecryptions = new Map<string, number>()
sim.onReceived((message) => {
  const key = `${message.from}\u0000${message.id}`
  if (recentIds.has(key)) {
    duplicates++
    return
  }
  recentIds.add(key)
  if (recentIds.size > RECENT_IDS) recentIds.delete(recentIds.values().next().value!)
  received++
  lastReceivedAt = Date.now()
  if (message.group) groupDecryptions.set(message.group, (groupDecryptions.get(message.group) ?? 0) + (message.decryptedBy?.length ?? 0))
})
const json = (res: ServerResponse, body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
const benchRoutes = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench')
  if (url.pathname === '/received-count') return json(res, { count: received, duplicates, lastAt: lastReceivedAt })
  if (url.pathname === '/group-queries') {
    const jid = url.searchParams.get('jid') ?? ''
    return json(res, { queries: sim.groupMetadataQueries(jid), decryptions: groupDecryptions.get(jid) ?? 0 })
  }
  if (url.pathname === '/connection-log') return json(res, sim.connectionLog().slice(Number(url.searchParams.get('from') ?? 0)))
  res.writeHead(404).end()
})
await new Promise<void>((resolve) => benchRoutes.listen(0, '127.0.0.1', resolve))

const ready = {
  url: sim.url,
  rootPublicKeyB64: sim.rootPublicKeyB64,
  controlUrl: control.url,
  countUrl: `http://127.0.0.1:${(benchRoutes.address() as AddressInfo).port}/received-count`,
  connectionLogUrl: `http://127.0.0.1:${(benchRoutes.address() as AddressInfo).port}/connection-log`,
  mediaCaPem: sim.mediaCaPem,
}
process.stdout.write(`BENCH_SIM_READY ${JSON.stringify(ready)}\n`)

const shutdown = async (): Promise<void> => {
  benchRoutes.close()
  await control.close()
  await sim.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
