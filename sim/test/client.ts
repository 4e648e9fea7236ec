import makeWASocket, {
  DEFAULT_CONNECTION_CONFIG,
  initAuthCreds,
  WA_CERT_DETAILS,
  type AuthenticationCreds,
  type BaileysEventMap,
  type ConnectionState,
  type MediaDownloadOptions,
  type UserFacingSocketConfig
} from '@whiskeysockets/baileys'
import { Agent as HttpsAgent } from 'node:https'
import pino from 'pino'
import { Agent as UndiciAgent } from 'undici'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { startSimulator, type Simulator, type SimulatorOptions } from '../index.js'

export type Socket = ReturnType<typeof makeWASocket>

export interface TestClient {
  sock: Socket
  creds: AuthenticationCreds
  /** resolves with the first `event` payload matching `pred` */
  next<E extends keyof BaileysEventMap>(event: E, pred?: (data: BaileysEventMap[E]) => boolean, timeoutMs?: number): Promise<BaileysEventMap[E]>
  /** resolves with the connection.update that closes the socket */
  closed(timeoutMs?: number): Promise<Partial<ConnectionState>>
  /**
   * resolves once message `id` reaches `status`: Baileys reports it in messages.update, or folds
   * it into the buffered messages.upsert of the sent message itself
   */
  status(id: string, status: number, timeoutMs?: number): Promise<void>
  end(): Promise<void>
}

const WAIT_MS = 5_000

/** A real, unmodified Baileys client pointed at the simulator, keys held in memory. */
export function connectClient(
  sim: Simulator,
  opts: {
    creds?: AuthenticationCreds
    keys?: ReturnType<typeof makeMemoryKeyStore>
    config?: Partial<UserFacingSocketConfig>
  } = {}
): TestClient {
  // Baileys reads this exported object at handshake time
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sim.rootPublicKeyB64, 'base64')
  const creds = opts.creds ?? initAuthCreds()
  const sock = makeWASocket({
    waWebSocketUrl: sim.url,
    version: DEFAULT_CONNECTION_CONFIG.version,
    auth: { creds, keys: opts.keys ?? makeMemoryKeyStore() },
    logger: pino({ level: process.env.SIM_CLIENT_LOG ?? 'silent' }),
    markOnlineOnConnect: false,
    // media uploads go through node's https with this agent; the sim's media host has its own CA
    fetchAgent: new HttpsAgent({ ca: sim.mediaCaPem }),
    ...opts.config
  })
  let closeUpdate: Partial<ConnectionState> | undefined
  sock.ev.on('connection.update', update => {
    if (update.connection === 'close') closeUpdate = update
  })

  const next: TestClient['next'] = (event, pred = () => true, timeoutMs = WAIT_MS) =>
    new Promise((resolve, reject) => {
      const listener = (data: BaileysEventMap[typeof event]) => {
        if (!pred(data)) return
        clearTimeout(timer)
        sock.ev.off(event, listener)
        resolve(data)
      }
      const timer = setTimeout(() => {
        sock.ev.off(event, listener)
        reject(new Error(`timed out waiting for ${event}`))
      }, timeoutMs)
      sock.ev.on(event, listener)
    })

  // statuses are recorded from the start so a receipt that beats the caller is not missed
  const statuses = new Map<string, number>()
  const statusWaiters = new Set<() => void>()
  const recordStatus = (id: string | null | undefined, value: number | null | undefined) => {
    if (!id || value == null || value <= (statuses.get(id) ?? -1)) return
    statuses.set(id, value)
    for (const wake of statusWaiters) wake()
  }
  sock.ev.on('messages.update', updates => updates.forEach(u => recordStatus(u.key.id, u.update.status)))
  sock.ev.on('messages.upsert', ({ messages }) => messages.forEach(m => recordStatus(m.key.id, m.status)))

  const status: TestClient['status'] = (id, wanted, timeoutMs = WAIT_MS) =>
    new Promise((resolve, reject) => {
      const wake = () => {
        if ((statuses.get(id) ?? -1) < wanted) return
        clearTimeout(timer)
        statusWaiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(() => {
        statusWaiters.delete(wake)
        reject(new Error(`message ${id} did not reach status ${wanted} (at ${statuses.get(id)})`))
      }, timeoutMs)
      statusWaiters.add(wake)
      wake()
    })

  return {
    sock,
    creds,
    next,
    status,
    closed: async (timeoutMs = WAIT_MS) =>
      closeUpdate ?? next('connection.update', u => u.connection === 'close', timeoutMs),
    async end() {
      if (closeUpdate) return
      const done = next('connection.update', u => u.connection === 'close')
      sock.end(undefined)
      await done
    }
  }
}

/**
 * For downloadMediaMessage(msg, 'buffer', mediaDownloadOptions(sim)): downloads use global fetch,
 * which ignores https agents but takes an undici dispatcher through the request init.
 */
export function mediaDownloadOptions(sim: Simulator): MediaDownloadOptions {
  const dispatcher = new UndiciAgent({ connect: { ca: sim.mediaCaPem } })
  return { options: { dispatcher } as RequestInit }
}

export function statusCodeOf(update: Partial<ConnectionState>): number | undefined {
  return (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode
}

/** Polls `check` until it holds: for simulator-side state that settles a moment after a client event. */
export async function eventually(check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** A simulator of its own with one linked, connected client: what most of a test file works against. */
export async function simWithLinkedClient(
  options: SimulatorOptions = {}
): Promise<{ sim: Simulator; client: TestClient; phoneNumber: string; close(): Promise<void> }> {
  const sim = await startSimulator(options)
  const { client, phoneNumber } = await connectLinkedClient(sim)
  return {
    sim,
    client,
    phoneNumber,
    close: async () => {
      await client.end()
      await sim.close()
    }
  }
}

/** A client on freshly provisioned credentials (no QR), once its connection is open. */
export async function connectLinkedClient(sim: Simulator): Promise<{ client: TestClient; phoneNumber: string }> {
  const linked = sim.provision()
  const client = connectClient(sim, { creds: linked.creds })
  await client.next('connection.update', u => u.connection === 'open')
  return { client, phoneNumber: linked.phoneNumber }
}
