import autocannon from 'autocannon'
import { metricSum, scrapeMetrics } from './metrics.js'
import { CpuMeter } from './proc.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, sleep, waitUntil } from './wait.js'

export interface SendTarget {
  baseUrl: string
  serverPid: number
  sim: SimProcess
  deviceId: string
  apiKey: string
  recipient: string
}

export interface SendRun {
  mode: 'sync' | 'queued'
  connections: number
  durationS: number
  /** 200 (sync) or 202 (queued) answers. */
  accepted: number
  non2xx: number
  errors: number
  /** Accepted requests per second over the autocannon run. */
  acceptedPerS: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Queued mode: accepted messages per second from the first request until WhatsApp acknowledged the last one. */
  endToEndPerS: number | null
  /** Messages the server reported sent (acknowledged by WhatsApp) during the run, stragglers included. */
  serverSent: number
  /** Messages the simulator decrypted during the run; null in ackOnly mode. */
  simReceived: number | null
  /** The simulator received exactly what the server sent, and at least every accepted message. */
  verified: boolean | null
  serverCpuMsPerMessage: number
  /** Cores busy during the run (1 = one core), to see which process limited it. */
  serverUtilization: number
  simUtilization: number
}

const SENT = 'wa_api_messages_total'

async function serverSentCount(baseUrl: string): Promise<number> {
  return metricSum(await scrapeMetrics(baseUrl), SENT, { status: 'sent' })
}

/** Sends before measuring: the first alone (it makes the Signal session with the recipient), the rest `inFlight` at a time. */
export async function warmUp(target: SendTarget, count: number, inFlight: number): Promise<void> {
  await warmUpSend(target, 0)
  await mapLimit(Array.from({ length: count - 1 }, (_, i) => i + 1), inFlight, (i) => warmUpSend(target, i))
}

async function warmUpSend(target: SendTarget, i: number): Promise<void> {
  const response = await fetch(`${target.baseUrl}/api/messages/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: target.deviceId, number: target.recipient, message: `warm-up ${i}` }),
  })
  if (response.status !== 200) throw new Error(`warm-up send: ${response.status} ${await response.text()}`)
}

/**
 * POST /api/messages/send through HTTP with autocannon, synchronous (answers after WhatsApp's ack)
 * or queued (answers 202 at once), then waits until everything accepted reached the simulator.
 */
export async function runSendLoad(target: SendTarget, mode: SendRun['mode'], connections: number, durationS: number): Promise<SendRun> {
  const { sim } = target
  const sentBefore = await serverSentCount(target.baseUrl)
  const receivedBefore = (await sim.receivedCount()).count
  const meter = new CpuMeter({ server: target.serverPid, sim: sim.child.pid })
  const startedAt = Date.now()
  const result = await autocannon({
    url: `${target.baseUrl}/api/messages/send`,
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      deviceId: target.deviceId,
      number: target.recipient,
      message: `bench ${mode} c${connections}`,
      ...(mode === 'queued' ? { queue: true } : {}),
    }),
    connections,
    duration: durationS,
  })
  const accepted = result['2xx']

  // Everything accepted must reach WhatsApp; a queued backlog drains after autocannon stops.
  const drainTimeoutMs = 30_000 + accepted * 20
  const doneAt = await waitUntil(
    `${accepted} accepted messages acknowledged`,
    async () => (await serverSentCount(target.baseUrl)) - sentBefore >= accepted && Date.now(),
    { timeoutMs: drainTimeoutMs, intervalMs: 50 },
  )
  if (!sim.ackOnly) {
    await waitUntil('simulator to receive what the server sent', async () => (await sim.receivedCount()).count - receivedBefore >= accepted, {
      timeoutMs: drainTimeoutMs,
      intervalMs: 50,
    })
  }
  // Sync requests cut off when autocannon stopped are still sent; give them a moment to land.
  await sleep(500)
  const { cpuS, utilization } = meter.stop()
  const serverSent = (await serverSentCount(target.baseUrl)) - sentBefore
  const received = sim.ackOnly ? null : await sim.receivedCount()
  const simReceived = received ? received.count - receivedBefore : null
  const lastAckAt = received && mode === 'queued' ? received.lastAt : doneAt
  return {
    mode,
    connections,
    durationS: result.duration,
    accepted,
    non2xx: result.non2xx,
    errors: result.errors,
    acceptedPerS: accepted / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    endToEndPerS: mode === 'queued' ? accepted / ((lastAckAt - startedAt) / 1000) : null,
    serverSent,
    simReceived,
    verified: simReceived === null ? null : simReceived === serverSent && simReceived >= accepted,
    serverCpuMsPerMessage: (cpuS.server! * 1000) / Math.max(1, serverSent),
    serverUtilization: utilization.server!,
    simUtilization: utilization.sim!,
  }
}
