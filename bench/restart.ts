import { Api } from './api.js'
import { sampleLag, type LagSummary } from './lag-sampler.js'
import { cpuSeconds } from './proc.js'
import { ServerProcess, type ServerConfig } from './server-process.js'
import { sleep } from './wait.js'

export interface RestartResult {
  sessions: number
  /** SIGTERM until the old process exited. */
  shutdownMs: number
  /** Spawn until /health answered. */
  healthyMs: number
  /** Spawn until every session had been seen connected (event stream or listing). */
  allConnectedMs: number
  /** Spawn until a synchronous send through every session had been acknowledged by WhatsApp. */
  allSentMs: number
  /** Server CPU from spawn until every session had sent. */
  serverCpuS: number
  lag: LagSummary
}

/** A listing catches anything the event stream could not say (it ended, or fell behind and was cut). */
const LIST_INTERVAL_MS = 5_000
const DISPATCH_INTERVAL_MS = 20
/** Sends in flight at once, so the check itself does not become a load test. */
const SEND_CONCURRENCY = 20

/** When every session had been seen connected, and when a send through each had been acknowledged. */
export interface RecoveryTimes {
  /** From `startedAt` until every session had been seen connected. */
  allConnectedMs: number
  allSentMs: number
}

/**
 * Waits until every session is connected, sending one message through each as soon as it is.
 * Sessions are followed on the admin event stream, as the dashboard follows them, with a listing
 * now and then: listing ten thousand sessions every moment would load the server it measures.
 * A send refused because the session dropped again is tried when it is next connected.
 * Times are from `startedAt` (performance.now()).
 */
export async function untilEverySessionSends(api: Api, deviceIds: string[], recipient: string, startedAt: number, timeoutMs: number): Promise<RecoveryTimes> {
  const since = (): number => performance.now() - startedAt
  /** Not seen connected yet, or dropped before their send went through. */
  const waiting = new Set(deviceIds)
  const states = new Map<string, string>()
  const queue: string[] = []
  let inFlight = 0
  let allConnectedMs = 0
  let sent = 0
  const connected = (deviceId: string): void => {
    if (waiting.delete(deviceId)) queue.push(deviceId)
    if (!waiting.size && !allConnectedMs) allConnectedMs = since()
  }
  const send = async (deviceId: string): Promise<void> => {
    inFlight++
    try {
      const response = await api.request('POST', '/api/messages/send', { deviceId, number: recipient, message: 'after restart' })
      if (response.status === 200) sent++
      // 409: it dropped again since it was seen connected.
      else if (states.get(deviceId) === 'connected') queue.push(deviceId)
      else waiting.add(deviceId)
    } catch {
      queue.push(deviceId)
    } finally {
      inFlight--
    }
  }
  const watch = await api.watchStates((deviceId, state) => {
    states.set(deviceId, state)
    if (state === 'connected') connected(deviceId)
  })
  let listedAt = -Infinity
  try {
    while (sent < deviceIds.length) {
      if (since() > timeoutMs) throw new Error(`${sent}/${deviceIds.length} sessions could send after ${timeoutMs} ms`)
      if (waiting.size && performance.now() - listedAt >= LIST_INTERVAL_MS) {
        listedAt = performance.now()
        for (const session of await api.connectedSessions()) {
          // An event may have come since this page was read: it is the newer word.
          if (!states.has(session.deviceId)) states.set(session.deviceId, 'connected')
          connected(session.deviceId)
        }
      }
      while (queue.length && inFlight < SEND_CONCURRENCY) void send(queue.shift()!)
      await sleep(DISPATCH_INTERVAL_MS)
    }
    return { allConnectedMs, allSentMs: since() }
  } finally {
    // let sends still in flight finish before the caller moves on
    while (inFlight) await sleep(10)
    await watch.stop()
  }
}

/**
 * Stops the server with SIGTERM and starts it on the same data: times the restore of every
 * session, sends one message through each as soon as it is connected, and samples event-loop lag.
 */
export async function measureRestart(
  server: ServerProcess,
  config: ServerConfig,
  deviceIds: string[],
  recipient: string,
  /** Called once the new process answers /health, before the sessions come back. */
  onStarted: (next: ServerProcess) => void = () => undefined,
): Promise<{ server: ServerProcess; result: RestartResult }> {
  const stopAt = performance.now()
  await server.stop()
  const shutdownMs = performance.now() - stopAt

  const spawnedAt = performance.now()
  const next = await ServerProcess.start(config)
  onStarted(next)
  const lag = sampleLag(next.baseUrl)
  const api = new Api(next.baseUrl, config.adminKey)
  let times: RecoveryTimes
  try {
    times = await untilEverySessionSends(api, deviceIds, recipient, spawnedAt, 120_000 + deviceIds.length * 200)
  } catch (error) {
    await lag.stop()
    throw new Error(`restart: ${(error as Error).message}`)
  }
  return {
    server: next,
    result: {
      sessions: deviceIds.length,
      shutdownMs,
      healthyMs: next.startupMs,
      ...times,
      serverCpuS: cpuSeconds(next.pid),
      lag: await lag.stop(),
    },
  }
}
