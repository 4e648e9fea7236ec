import { join } from 'node:path'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { Api } from './api.js'
import { probeDetails } from './detail-prober.js'
import { settledMemory, type MemorySample } from './memory.js'
import { CpuMeter, cpuSeconds } from './proc.js'
import { pairSessions, type PairingResult } from './pairing.js'
import { measureRestart, untilEverySessionSends, type RestartResult } from './restart.js'
import { SEEDED_PRE_KEYS, seedLinkedDevices } from './seed.js'
import { keepSending, measureSendsBesideBare, sendersOf, type BackgroundSends, type SendPlanOptions, type SendRun, type SendTarget } from './send-load.js'
import { freePort, ServerProcess, type ServerConfig } from './server-process.js'
import type { SimProcess } from './sim-process.js'
import { latencyOf, type Latency } from './stats.js'
import { sleep } from './wait.js'

/** Sessions the send runs take turns through, and clients sending. */
const SEND_SESSIONS = 100
const SEND_CLIENTS = 10
/** Synchronous sends in flight while sessions pair. */
const BACKGROUND_IN_FLIGHT = 2
/** Longest wait for RSS to settle before a memory sample. */
const SETTLE_MAX_S = 120
/** Calls per listing measurement. */
const LISTING_CALLS = 20
/** How often the prober asks for one session's details while the sessions come back. */
const PROBE_INTERVAL_MS = 50

export interface ScaleOptions {
  sessions: number
  /** Seconds of idle CPU measured with every session connected. */
  idleSeconds: number
  /** Sessions paired through the API while the others are connected and sending. */
  pairings: number
  pairConcurrency: number
  /** The synchronous send runs through SEND_SESSIONS of the sessions, each beside bare Baileys. */
  sends: Omit<SendPlanOptions, 'bareConnections'>
}

export interface ScaleResult {
  sessions: number
  /** Provisioning every device at the simulator and writing it as a running session. */
  seedS: number
  /** Uploaded pre-keys each seeded device holds. */
  preKeysPerSession: number
  /** RSS of the server with no sessions. */
  idleProcess: MemorySample
  /** The first start on the seeded data, the server's caches cold. */
  firstStart: { allConnectedS: number; serverCpuS: number }
  memory: MemorySample
  rssPerSessionBytes: number
  /** With every session connected and nothing sent: keepalives, timers, lease renewals. */
  idleCpu: { seconds: number; cores: number }
  listing: { all: Latency; page: Latency; filtered: Latency; allBytes: number }
  /**
   * One send through every session before the restart, as sessions in use have sent before one:
   * each builds its Signal sessions with the recipient and with its own phone (pre-key queries,
   * X3DH), which the restart then restores instead of building.
   */
  firstSends: { allSentS: number; serverCpuS: number }
  restart: RestartResult & {
    /** GET /api/sessions/:deviceId of random sessions while they come back. */
    detail: Latency
  }
  memoryAfterRestart: MemorySample
  /** Synchronous sends at SEND_CLIENTS clients taking turns through SEND_SESSIONS sessions, each run with bare Baileys' right after it. */
  sends: SendRun[]
  /** New sessions paired while every other is connected, and the sends that went on meanwhile. */
  pairing: { result: PairingResult; background: BackgroundSends; inFlight: number; senders: number }
}

const deviceIdOf = (index: number): string => `scale-${String(index).padStart(5, '0')}`

async function timed(calls: number, call: () => Promise<unknown>): Promise<Latency> {
  const samples: number[] = []
  for (let index = 0; index < calls; index++) {
    const startedAt = performance.now()
    await call()
    samples.push(performance.now() - startedAt)
  }
  return latencyOf(samples)
}

/** Seeds `count` linked sessions straight into the server's SQLite file (see seedLinkedDevices). */
async function seed(dataDir: string, sim: SimProcess, count: number): Promise<void> {
  const store = openSqliteStore(dataDir)
  try {
    await seedLinkedDevices(store, sim, Array.from({ length: count }, (_, index) => deviceIdOf(index)))
  } finally {
    await store.close()
  }
}

/** How many sessions are listed connected: one small page, whatever their number. */
async function connectedCount(api: Api): Promise<number> {
  return (await api.expect(200, 'GET', '/api/sessions?state=connected&limit=1')).total as number
}

/**
 * Ten thousand sessions on one server process: seeded straight into its database (pairing that
 * many would take half an hour), then started, measured at rest, listed, and restarted.
 */
export async function measureScale(base: ServerConfig, sim: SimProcess, recipient: string, options: ScaleOptions, log: (message: string) => void): Promise<ScaleResult> {
  const config: ServerConfig = { ...base, port: await freePort(), dataDir: join(base.dataDir, '..', 'scale') }
  const empty = await ServerProcess.start(config)
  const idleProcess = await settledMemory(empty.pid, empty.baseUrl, 60)
  await empty.stop()

  log(`scale: seeding ${options.sessions} linked sessions`)
  const seedStartedAt = performance.now()
  await seed(config.dataDir, sim, options.sessions)
  const seedS = (performance.now() - seedStartedAt) / 1000

  log('scale: first start')
  const firstAt = performance.now()
  let server = await ServerProcess.start(config)
  const api = new Api(server.baseUrl, config.adminKey)
  const firstTimeoutMs = 600_000 + options.sessions * 100
  for (;;) {
    const connected = await connectedCount(api)
    if (connected === options.sessions) break
    if (performance.now() - firstAt > firstTimeoutMs) throw new Error(`scale: ${connected}/${options.sessions} connected after ${firstTimeoutMs} ms`)
    await sleep(1000)
  }
  const firstStart = { allConnectedS: (performance.now() - firstAt) / 1000, serverCpuS: cpuSeconds(server.pid) }
  log(`scale: all ${options.sessions} connected after ${firstStart.allConnectedS.toFixed(0)} s; waiting for memory to settle`)
  const memory = await settledMemory(server.pid, server.baseUrl, SETTLE_MAX_S)

  log(`scale: idle CPU for ${options.idleSeconds} s`)
  const meter = new CpuMeter({ server: server.pid })
  await sleep(options.idleSeconds * 1000)
  const idleCpu = { seconds: options.idleSeconds, cores: meter.stop().utilization.server! }

  log('scale: listing')
  // The cursor halfway down the list, reached a page of 1,000 at a time.
  let middle: string | null = null
  for (let listed = 0; listed < options.sessions / 2; listed += 1000) {
    const next = (await api.expect(200, 'GET', `/api/sessions?limit=1000${middle ? `&cursor=${encodeURIComponent(middle)}` : ''}`)).nextCursor as string | null
    if (next === null) break
    middle = next
  }
  const pageQuery = `/api/sessions?limit=100${middle ? `&cursor=${encodeURIComponent(middle)}` : ''}`
  let allBytes = 0
  const listing = {
    all: await timed(LISTING_CALLS, async () => {
      const response = await fetch(`${server.baseUrl}/api/sessions`, { headers: { authorization: `Bearer ${config.adminKey}` } })
      allBytes = (await response.arrayBuffer()).byteLength
    }),
    page: await timed(LISTING_CALLS, () => api.expect(200, 'GET', pageQuery)),
    filtered: await timed(LISTING_CALLS, () => api.expect(200, 'GET', '/api/sessions?limit=100&search=scale-0999')),
    allBytes,
  }

  const deviceIds = Array.from({ length: options.sessions }, (_, index) => deviceIdOf(index))
  log(`scale: a first send through each of the ${options.sessions} sessions`)
  const firstSendsMeter = new CpuMeter({ server: server.pid })
  await untilEverySessionSends(api, deviceIds, recipient, performance.now(), 120_000 + options.sessions * 100)
  const measured = firstSendsMeter.stop()
  const firstSends = { allSentS: measured.elapsedS, serverCpuS: measured.cpuS.server! }
  log(`scale: every session has sent after ${firstSends.allSentS.toFixed(1)} s`)

  log(`scale: restart with ${options.sessions} sessions`)
  let prober: { stop(): Promise<Latency> } | undefined
  const restarted = await measureRestart(server, config, deviceIds, recipient, (next) => {
    prober = probeDetails(next.baseUrl, config.adminKey, deviceIds, PROBE_INTERVAL_MS)
  })
  server = restarted.server
  const restart = { ...restarted.result, detail: await prober!.stop() }
  log(`scale: all connected after ${(restart.allConnectedMs / 1000).toFixed(1)} s, all sent after ${(restart.allSentMs / 1000).toFixed(1)} s, lag max ${restart.lag.maxMs.toFixed(0)} ms, detail p99 ${restart.detail.p99Ms.toFixed(0)} ms`)
  const memoryAfterRestart = await settledMemory(server.pid, server.baseUrl, SETTLE_MAX_S)

  const restartedApi = new Api(server.baseUrl, config.adminKey)
  const senders = await sendersOf(restartedApi, deviceIds.slice(0, 2 * SEND_SESSIONS))
  const target: SendTarget = { baseUrl: server.baseUrl, serverPid: server.pid, sim, connected: options.sessions, senders: senders.slice(0, SEND_SESSIONS), recipient }
  const sends = await measureSendsBesideBare(target, [{ mode: 'sync', connections: SEND_CLIENTS }], { ...options.sends, bareConnections: SEND_CLIENTS }, log)

  log(`scale: pairing ${options.pairings} sessions, ${options.pairConcurrency} at a time, while the others send`)
  // Other sessions than the send runs', unless there are too few.
  const backgroundSenders = senders.length > SEND_SESSIONS ? senders.slice(SEND_SESSIONS) : senders
  const background = keepSending(server.baseUrl, backgroundSenders, recipient, BACKGROUND_IN_FLIGHT)
  const newIds = Array.from({ length: options.pairings }, (_, index) => `scale-new-${String(index).padStart(4, '0')}`)
  const paired = await pairSessions(restartedApi, sim, server.pid, newIds, options.pairConcurrency).finally(() => background.stop())
  const pairing = { result: paired.result, background: await background.stop(), inFlight: BACKGROUND_IN_FLIGHT, senders: backgroundSenders.length }
  log(`scale: paired at ${pairing.result.perSecond.toFixed(1)}/s; ${pairing.background.sent} sent meanwhile, ${pairing.background.failed} failed`)
  await server.stop()
  return {
    sessions: options.sessions,
    seedS,
    preKeysPerSession: SEEDED_PRE_KEYS,
    idleProcess,
    firstStart,
    memory,
    rssPerSessionBytes: (memory.rssBytes - idleProcess.rssBytes) / options.sessions,
    idleCpu,
    listing,
    firstSends,
    restart,
    memoryAfterRestart,
    sends,
    pairing,
  }
}
