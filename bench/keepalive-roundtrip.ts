import { GCProfiler, getHeapStatistics } from 'node:v8'
import makeWASocket, { BufferJSON, DEFAULT_CONNECTION_CONFIG, WA_CERT_DETAILS, type AuthenticationCreds, type BinaryNode } from '@whiskeysockets/baileys'
import pino from 'pino'
import { makeMemoryKeyStore } from '../sim/memory-keys.js'
import { decodeBinaryNodeLean } from '../src/whatsapp/binary-node-decoder.js'
import { encodeBinaryNodeLean } from '../src/whatsapp/binary-node-encoder.js'
import { frameTimeout, promiseTimeout } from '../src/whatsapp/query-timeout.js'
import { SimProcess } from './sim-process.js'

/**
 * What an idle session's keep-alive costs one warm socket: a ping and its answer, `--pings` times a
 * round, CPU and bytes allocated per round trip. Two sockets in this process against the simulator
 * in its own, both with the server's socket settings; one receives through the server's decoder and
 * frame path (`binaryNodeDecoder`), the other through Baileys' own. They take turns, round by round,
 * so the machine's drift falls on both.
 *   node --import tsx bench/keepalive-roundtrip.ts [--pings 10000] [--rounds 5]
 */
const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  const value = at < 0 ? fallback : Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive whole number`)
  return value
}
const pings = option('pings', 10_000)
const rounds = option('rounds', 5)

// As bench/bare-baileys.ts: a built server formats stack traces without source maps.
process.setSourceMapsEnabled(false)
const sim = await SimProcess.start(process.cwd(), true)
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sim.info.rootPublicKeyB64, 'base64')

type Socket = ReturnType<typeof makeWASocket>

async function openSocket(serverDecoder: boolean): Promise<Socket> {
  const response = await fetch(`${sim.info.controlUrl}/provision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  const { creds } = JSON.parse(await response.text(), BufferJSON.reviver) as { creds: AuthenticationCreds }
  const socket = makeWASocket({
    waWebSocketUrl: sim.info.url,
    version: DEFAULT_CONNECTION_CONFIG.version,
    auth: { creds, keys: makeMemoryKeyStore() },
    logger: pino({ level: 'silent' }),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    // The server's socket settings (whatsapp/baileys-connector.ts); this script sends the pings itself.
    keepAliveIntervalMs: 2_147_483_647,
    binaryNodeEncoder: encodeBinaryNodeLean,
    promiseTimeout,
    frameTimeout,
    ...(serverDecoder ? { binaryNodeDecoder: decodeBinaryNodeLean } : {}),
  })
  await new Promise<void>((resolve) => socket.ev.on('connection.update', ({ connection }) => connection === 'open' && resolve()))
  return socket
}

const ping = (id: string): BinaryNode => ({ tag: 'iq', attrs: { id, to: 's.whatsapp.net', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] })

/** Bytes allocated on V8's heap from `startUsed` on: what each collection found, less what the one before it left. */
function allocatedSince(startUsed: number, profile: ReturnType<GCProfiler['stop']>): number {
  let allocated = 0
  let usedAfterLast = startUsed
  for (const { beforeGC, afterGC } of profile?.statistics ?? []) {
    allocated += beforeGC.heapStatistics.usedHeapSize - usedAfterLast
    usedAfterLast = afterGC.heapStatistics.usedHeapSize
  }
  return allocated + getHeapStatistics().used_heap_size - usedAfterLast
}

/** One round: `count` pings, each sent once the last one's answer arrived. CPU µs and bytes per round trip. */
async function round(socket: Socket, count: number): Promise<{ cpuUs: number; bytes: number }> {
  let answered: () => void = () => undefined
  const onFrame = (): void => answered()
  socket.ws.on('frame', onFrame)
  const profiler = new GCProfiler()
  const startUsed = getHeapStatistics().used_heap_size
  profiler.start()
  const cpu = process.cpuUsage()
  for (let i = 0; i < count; i++) {
    const answer = new Promise<void>((resolve) => (answered = resolve))
    await socket.sendNode(ping(socket.generateMessageTag()))
    await answer
  }
  const used = process.cpuUsage(cpu)
  const bytes = allocatedSince(startUsed, profiler.stop())
  socket.ws.off('frame', onFrame)
  return { cpuUs: (used.user + used.system) / count, bytes: bytes / count }
}

const sockets = { 'server path': await openSocket(true), "Baileys' path": await openSocket(false) }
for (const socket of Object.values(sockets)) await round(socket, Math.min(pings, 2_000))
const results = new Map<string, Array<{ cpuUs: number; bytes: number }>>()
for (let r = 0; r < rounds; r++) {
  for (const [name, socket] of Object.entries(sockets)) results.set(name, [...(results.get(name) ?? []), await round(socket, pings)])
}
for (const [name, runs] of results) {
  const cpu = runs.map((run) => run.cpuUs.toFixed(0)).join(', ')
  const kb = runs.map((run) => (run.bytes / 1024).toFixed(1)).join(', ')
  console.log(`${name}: CPU µs per round trip ${cpu}; KB allocated per round trip ${kb}`)
}
for (const socket of Object.values(sockets)) socket.end(undefined)
await sim.child.stop()
process.exit(0)
