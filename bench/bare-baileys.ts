import makeWASocket, {
  BufferJSON,
  DEFAULT_CONNECTION_CONFIG,
  initAuthCreds,
  WA_CERT_DETAILS,
  type AuthenticationCreds,
  type BinaryNode,
  type ConnectionState,
} from '@whiskeysockets/baileys'
import pino from 'pino'
import { makeMemoryKeyStore } from '../sim/memory-keys.js'
import { percentile } from './stats.js'
import { SETTLE_AFTER_OPEN_MS, WARM_UP_IN_FLIGHT, WARM_UP_SENDS } from './wait.js'

/**
 * The ceiling: bare Baileys sockets against the same simulator, keys in memory, no HTTP, no
 * database. Runs as its own process so its CPU is its own; prints one result line.
 *   node --import tsx bench/bare-baileys.ts '{"mode":"send",...}'
 * Receive mode talks to the bench on stdout: it prints its phone number once connected, then a
 * line once it has received `warmUp` texts, then the result once it has received `count` more. The
 * bench writes the texts through the simulator, so writing them costs this process nothing.
 */
export interface BareJob {
  mode: 'send' | 'pair' | 'receive'
  simUrl: string
  rootPublicKeyB64: string
  controlUrl: string
  /** Messages to send or receive (measured), or pairings to make. */
  count: number
  /** Receive mode: texts received before the measurement starts. */
  warmUp?: number
  /** Sends in flight at once (send mode). */
  window: number
  recipient: string
}

export interface BareResult {
  mode: BareJob['mode']
  count: number
  elapsedS: number
  cpuMsPer: number
  perSecond: number
  /** Send mode: from sendMessage until the ack, what the server's synchronous request also waits for; null for pairings. */
  latencyP50Ms: number | null
  latencyP99Ms: number | null
}

const TIMEOUT_MS = 60_000

type Socket = ReturnType<typeof makeWASocket>

// tsx turns on source-mapped stack traces for the whole process. A Baileys app run as built
// JavaScript, as the server runs, formats its stacks without them, and Baileys formats two for
// every frame it sends (its send timeout): left on, they cost bare Baileys about 6% more CPU.
process.setSourceMapsEnabled(false)

const job = JSON.parse(process.argv[2] ?? '') as BareJob
// Baileys reads this exported object at handshake time.
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(job.rootPublicKeyB64, 'base64')

async function control<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${job.controlUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`sim POST ${path}: ${response.status} ${await response.text()}`)
  return JSON.parse(await response.text(), BufferJSON.reviver) as T
}

function connect(creds: AuthenticationCreds, keys: ReturnType<typeof makeMemoryKeyStore>): Socket {
  return makeWASocket({
    waWebSocketUrl: job.simUrl,
    version: DEFAULT_CONNECTION_CONFIG.version,
    auth: { creds, keys },
    logger: pino({ level: 'silent' }),
    // the server's socket settings
    markOnlineOnConnect: false,
    syncFullHistory: false,
  })
}

function nextUpdate(sock: Socket, pred: (update: Partial<ConnectionState>) => boolean): Promise<Partial<ConnectionState>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for connection.update')), TIMEOUT_MS)
    const listener = (update: Partial<ConnectionState>): void => {
      if (!pred(update)) return
      clearTimeout(timer)
      sock.ev.off('connection.update', listener)
      resolve(update)
    }
    sock.ev.on('connection.update', listener)
  })
}

async function closeSocket(sock: Socket): Promise<void> {
  const closed = nextUpdate(sock, (u) => u.connection === 'close')
  sock.end(undefined)
  await closed
}

/**
 * Sends `count` texts, `window` in flight, each done when the server acks it (what a synchronous API
 * send waits for). Returns each send's milliseconds from sendMessage to its ack.
 */
async function sendTexts(sock: Socket, count: number, window: number): Promise<number[]> {
  const latencies: number[] = []
  const waiters = new Map<string, () => void>()
  // Baileys writes the message before sendMessage resolves, so an ack can beat its waiter.
  const early = new Set<string>()
  const onAck = (node: BinaryNode): void => {
    const id = node.attrs.id
    if (!id) return
    const waiter = waiters.get(id)
    if (waiter) waiter()
    else early.add(id)
  }
  sock.ws.on('CB:ack,class:message', onAck)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const startedAt = performance.now()
      const sent = await sock.sendMessage(`${job.recipient}@s.whatsapp.net`, { text: `bare ${i}` })
      const id = sent!.key.id!
      if (!early.delete(id)) await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${id}`)), TIMEOUT_MS)
        waiters.set(id, () => {
          clearTimeout(timer)
          waiters.delete(id)
          resolve()
        })
      })
      latencies.push(performance.now() - startedAt)
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
  sock.ws.off('CB:ack,class:message', onAck)
  return latencies
}

async function measure(work: () => Promise<number[] | void>): Promise<BareResult> {
  const cpuBefore = process.cpuUsage()
  const startedAt = performance.now()
  const latencies = (await work())?.sort((a, b) => a - b)
  const elapsedS = (performance.now() - startedAt) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  return {
    mode: job.mode,
    count: job.count,
    elapsedS,
    cpuMsPer: (cpu.user + cpu.system) / 1000 / job.count,
    perSecond: job.count / elapsedS,
    latencyP50Ms: latencies?.length ? percentile(latencies, 0.5) : null,
    latencyP99Ms: latencies?.length ? percentile(latencies, 0.99) : null,
  }
}

async function sendJob(): Promise<BareResult> {
  const { creds } = await control<{ creds: AuthenticationCreds }>('/provision', {})
  const sock = connect(creds, makeMemoryKeyStore())
  await nextUpdate(sock, (u) => u.connection === 'open')
  // the Signal session with the recipient, and JIT, as the server gets
  await sendTexts(sock, 1, 1)
  await sendTexts(sock, WARM_UP_SENDS - 1, WARM_UP_IN_FLIGHT)
  const result = await measure(() => sendTexts(sock, job.count, job.window))
  await closeSocket(sock)
  return result
}

/**
 * Receives texts as the server's sessions do: Baileys decrypts each, acks it and sends its
 * delivery receipt; nothing is stored. Counted when Baileys announces it.
 */
async function receiveJob(): Promise<BareResult> {
  const { creds, phoneNumber } = await control<{ creds: AuthenticationCreds; phoneNumber: string }>('/provision', {})
  const sock = connect(creds, makeMemoryKeyStore())
  await nextUpdate(sock, (u) => u.connection === 'open')
  const warmUp = job.warmUp ?? 0
  let received = 0
  let reached: { at: number; resolve: () => void } | undefined
  sock.ev.on('messages.upsert', ({ messages, type }) => {
    if (type !== 'notify') return
    received += messages.filter((m) => !m.key.fromMe && m.message).length
    if (reached && received >= reached.at) reached.resolve()
  })
  const until = (at: number): Promise<void> =>
    received >= at ? Promise.resolve() : new Promise((resolve) => { reached = { at, resolve } })
  process.stdout.write(`BENCH_BARE_RECEIVER ${phoneNumber}\n`)
  await until(warmUp)
  const result = await measure(async () => {
    process.stdout.write('BENCH_BARE_WARM\n')
    await until(warmUp + job.count)
  })
  await closeSocket(sock)
  return result
}

/** QR pairing as the server does it: QR, scan, the 515 restart, log in again, open. */
async function pairOnce(): Promise<void> {
  const creds = initAuthCreds()
  const keys = makeMemoryKeyStore()
  const first = connect(creds, keys)
  const { qr } = await nextUpdate(first, (u) => !!u.qr)
  const closed = nextUpdate(first, (u) => u.connection === 'close')
  await control('/scan', { qr })
  await closed
  const second = connect(creds, keys)
  await nextUpdate(second, (u) => u.connection === 'open')
  await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_OPEN_MS))
  await closeSocket(second)
}

async function pairJob(): Promise<BareResult> {
  await pairOnce() // unmeasured: the first pairing in a fresh process also pays for JIT compilation
  return measure(async () => {
    for (let i = 0; i < job.count; i++) await pairOnce()
  })
}

const jobs: Record<BareJob['mode'], () => Promise<BareResult>> = { send: sendJob, pair: pairJob, receive: receiveJob }
const result = await jobs[job.mode]()
process.stdout.write(`BENCH_BARE_RESULT ${JSON.stringify(result)}\n`)
process.exit(0)
