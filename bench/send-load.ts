import autocannon from 'autocannon'
import type { Api } from './api.js'
import { runBare } from './bare.js'
import { fixed } from './markdown.js'
import type { BareResult } from './bare-baileys.js'
import { metricSum, scrapeMetrics } from './metrics.js'
import { CpuMeter } from './proc.js'
import { latencyOf, type Latency } from './stats.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, repeatUntilStopped, waitUntil, WARM_UP_IN_FLIGHT, WARM_UP_SENDS } from './wait.js'

/** A session the sends go through, with its own API key as an application would hold it. */
export interface Sender {
  deviceId: string
  apiKey: string
}

export interface SendTarget {
  baseUrl: string
  serverPid: number
  sim: SimProcess
  /** Sessions connected in the server process. */
  connected: number
  /** Requests take turns through these. */
  senders: Sender[]
  recipient: string
}

export interface SendRun {
  mode: 'sync' | 'queued'
  connections: number
  /** Sessions connected in the server process during the run. */
  connected: number
  /** Sessions the requests took turns through. */
  senders: number
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
  /** The simulator received exactly what the server sent, at least every accepted message, and none twice. */
  verified: boolean | null
  serverCpuMsPerMessage: number
  /** Cores busy during the run (1 = one core), to see which process limited it. */
  serverUtilization: number
  simUtilization: number
  /** Bare Baileys' send run right after this one, for the runs the goals compare with it; else null. */
  bare: BareResult | null
  /**
   * What the server used while bare Baileys ran and it sent nothing (its sessions' keep-alives and
   * timers, and whatever the run left it to finish), in ms per message of this run: the part of
   * serverCpuMsPerMessage spent whether it sends or not. Null without a bare run.
   */
  serverIdleMsPerMessage: number | null
}

const SENT = 'wa_api_messages_total'

async function serverSentCount(baseUrl: string): Promise<number> {
  return metricSum(await scrapeMetrics(baseUrl), SENT, { status: 'sent' })
}

/**
 * Sends before measuring: the first through each sender alone (it makes the Signal session with the
 * recipient), the rest `inFlight` at a time, taking turns through the senders as the runs do.
 */
export async function warmUp(target: SendTarget, count: number, inFlight: number): Promise<void> {
  for (const [i, sender] of target.senders.entries()) await warmUpSend(target, sender, i)
  const rest = Array.from({ length: Math.max(0, count - target.senders.length) }, (_, i) => i + target.senders.length)
  await mapLimit(rest, inFlight, (i) => warmUpSend(target, target.senders[i % target.senders.length]!, i))
}

const sendBody = (sender: Sender, recipient: string, message: string, queue: boolean): string =>
  JSON.stringify({ deviceId: sender.deviceId, number: recipient, message, ...(queue ? { queue: true } : {}) })

const sendHeaders = (sender: Sender): Record<string, string> => ({ authorization: `Bearer ${sender.apiKey}`, 'content-type': 'application/json' })

async function warmUpSend(target: SendTarget, sender: Sender, i: number): Promise<void> {
  const response = await fetch(`${target.baseUrl}/api/messages/send`, {
    method: 'POST',
    headers: sendHeaders(sender),
    body: sendBody(sender, target.recipient, `warm-up ${i}`, false),
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
  const { count: receivedBefore, duplicates: duplicatesBefore } = await sim.receivedCount()
  const meter = new CpuMeter({ server: target.serverPid, sim: sim.child.pid })
  const message = `bench ${mode} c${connections}`
  const request = (sender: Sender): { method: 'POST'; headers: Record<string, string>; body: string } => ({
    method: 'POST',
    headers: sendHeaders(sender),
    body: sendBody(sender, target.recipient, message, mode === 'queued'),
  })
  const [first, ...others] = target.senders
  // One sender: a fixed request autocannon builds once. Several: each request goes through the next.
  let turn = 0
  const requests = others.length ? [{ setupRequest: (base: autocannon.Request) => ({ ...base, ...request(target.senders[turn++ % target.senders.length]!) }) }] : undefined
  const startedAt = Date.now()
  const result = await autocannon({
    url: `${target.baseUrl}/api/messages/send`,
    ...request(first!),
    ...(requests ? { requests } : {}),
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
  // Sync requests cut off when autocannon stopped are still sent: wait until the server has counted
  // the ack of every message the simulator received. Counts that never agree fail the verification.
  if (!sim.ackOnly) {
    await waitUntil('the server to count every message the simulator received as sent', async () =>
      (await serverSentCount(target.baseUrl)) - sentBefore === (await sim.receivedCount()).count - receivedBefore, { timeoutMs: 10_000, intervalMs: 50 },
    ).catch(() => undefined)
  }
  const { cpuS, utilization } = meter.stop()
  const serverSent = (await serverSentCount(target.baseUrl)) - sentBefore
  const received = sim.ackOnly ? null : await sim.receivedCount()
  const simReceived = received ? received.count - receivedBefore : null
  const lastAckAt = received && mode === 'queued' ? received.lastAt : doneAt
  return {
    mode,
    connections,
    connected: target.connected,
    senders: target.senders.length,
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
    verified: received === null ? null : simReceived === serverSent && serverSent >= accepted && received.duplicates === duplicatesBefore,
    serverCpuMsPerMessage: (cpuS.server! * 1000) / Math.max(1, serverSent),
    serverUtilization: utilization.server!,
    simUtilization: utilization.sim!,
    bare: null,
    serverIdleMsPerMessage: null,
  }
}

/** Applications hold one API key per session. */
export async function sendersOf(api: Api, deviceIds: string[]): Promise<Sender[]> {
  return mapLimit(deviceIds, 10, async (deviceId) => ({
    deviceId,
    apiKey: (await api.expect(200, 'PUT', `/api/sessions/${deviceId}/api-key`, {})).apiKey as string,
  }))
}

export interface SendPlanOptions {
  repeats: number
  durationS: number
  /** Synchronous runs at this client count get bare Baileys' run right after them (undefined: none do). */
  bareConnections: number | undefined
  bareMessages: number
  /** The repository, where bare Baileys' script lives. */
  root: string
}

/**
 * Warms up, then runs each send measurement `repeats` times. Bare Baileys sends right after each
 * synchronous run at `bareConnections` clients, so both meet the shared machine at the same speed
 * (it drifts by half over minutes).
 */
export async function measureSendsBesideBare(
  target: SendTarget,
  plan: Array<{ mode: SendRun['mode']; connections: number }>,
  options: SendPlanOptions,
  log: (message: string) => void,
): Promise<SendRun[]> {
  await warmUp(target, WARM_UP_SENDS, WARM_UP_IN_FLIGHT)
  const runs: SendRun[] = []
  for (const { mode, connections } of plan) {
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      log(`sending: ${mode}, ${connections} connections through ${target.senders.length} of ${target.connected} sessions, ${options.durationS} s (${repeat}/${options.repeats})`)
      const run = await runSendLoad(target, mode, connections, options.durationS)
      log(`  ${run.acceptedPerS.toFixed(0)} req/s, p99 ${run.latencyP99Ms} ms, ${run.serverCpuMsPerMessage.toFixed(2)} ms CPU/msg, verified: ${run.verified}`)
      if (mode === 'sync' && connections === options.bareConnections) {
        const idleServer = new CpuMeter({ server: target.serverPid })
        run.bare = await runBare(options.root, target.sim, { mode: 'send', count: options.bareMessages, window: 10, recipient: target.recipient })
        const idleCores = idleServer.stop().utilization.server!
        // The run's own CPU per message scaled by idle cores over the run's: the same metered window and messages.
        run.serverIdleMsPerMessage = (run.serverCpuMsPerMessage * idleCores) / run.serverUtilization
        log(`  bare Baileys: ${run.bare.perSecond.toFixed(0)}/s, p99 ${fixed(run.bare.latencyP99Ms)} ms, ${run.bare.cpuMsPer.toFixed(2)} ms CPU/msg; the server meanwhile ${idleCores.toFixed(3)} cores`)
      }
      runs.push(run)
    }
  }
  return runs
}

export interface BackgroundSends {
  /** Answered 200: WhatsApp acknowledged the message. */
  sent: number
  /** Any other answer, or no answer. */
  failed: number
  latency: Latency
}

/** Synchronous sends, `inFlight` at a time, taking turns through `senders` until stopped: an application that keeps writing while something else goes on. */
export function keepSending(baseUrl: string, senders: Sender[], recipient: string, inFlight: number): { stop(): Promise<BackgroundSends> } {
  const samples: number[] = []
  let failed = 0
  let turn = 0
  if (senders.length === 0) throw new Error('keepSending: no sessions to send through')
  const sending = repeatUntilStopped(async () => {
    const sender = senders[turn++ % senders.length]!
    const startedAt = performance.now()
    try {
      const response = await fetch(`${baseUrl}/api/messages/send`, { method: 'POST', headers: sendHeaders(sender), body: sendBody(sender, recipient, `background ${turn}`, false) })
      await response.arrayBuffer()
      if (response.status === 200) samples.push(performance.now() - startedAt)
      else failed++
    } catch {
      failed++
    }
  }, inFlight)
  return {
    async stop() {
      await sending.stop()
      return { sent: samples.length, failed, latency: latencyOf(samples) }
    },
  }
}
