import type { Api } from './api.js'
import { runBareReceive } from './bare.js'
import type { BareResult } from './bare-baileys.js'
import { fixed } from './markdown.js'
import type { PairedSession } from './pairing.js'
import { CpuMeter } from './proc.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, waitUntil } from './wait.js'
import { WebhookReceiver } from './webhook-receiver.js'

export interface InboundResult {
  messages: number
  sessions: number
  /** First message handed to the simulator until the receiver had them all. */
  elapsedS: number
  perSecond: number
  serverCpuMsPerMessage: number
  serverUtilization: number
  simUtilization: number
}

/** One measurement, with bare Baileys receiving the same texts right after it. */
export type InboundRound = InboundResult & {
  bare: BareResult
  /** Cores the bench process used meanwhile: the webhook receiver and the simulator's driver, on the same machine. */
  benchUtilization: number
}

/** Contact numbers the simulator writes from; not a paired account. */
export const INBOUND_CONTACT = '4915100000002'
/** Inbound messages handed to the simulator at once. */
export const INBOUND_CONCURRENCY = 20
/** Texts received before the measurement: the Signal sessions with the contact, JIT. */
export const INBOUND_WARM_UP = 50
/**
 * Texts each side receives unmeasured first: the server once before the rounds, bare Baileys (a
 * fresh process each round) before each. V8 goes on optimizing the receive path for thousands of
 * texts, and more of them in the server's larger one: after 2,000 the server's figure still moved
 * 0.40-1.05 ms round to round as its compiler threads caught up (bare Baileys: 0.46 ms each over
 * its first 2,000, 0.33 over the next 4,000). Both are measured as a long-running process runs.
 */
export const RECEIVE_WARM_UP = 12_000

/**
 * A contact writes `count` texts to `sessions` (round robin); each session has a webhook for
 * message.received pointing at a local receiver. Measures how fast they all arrive there, after
 * `INBOUND_WARM_UP` unmeasured ones.
 */
export async function measureInbound(api: Api, sim: SimProcess, serverPid: number, sessions: PairedSession[], count: number): Promise<InboundResult> {
  const receiver = await WebhookReceiver.start()
  // Events of one session reach one webhook in order, one at a time: several sessions show the parallelism.
  const webhookIds: Array<{ deviceId: string; id: string }> = []
  for (const { deviceId } of sessions) {
    const body = await api.expect(201, 'POST', `/api/sessions/${deviceId}/webhooks`, { url: receiver.url, events: ['message.received'] })
    webhookIds.push({ deviceId, id: (body.webhook as { id: string }).id })
  }
  const write = async (total: number, label: string): Promise<void> => {
    const before = receiver.received
    await mapLimit(
      Array.from({ length: total }, (_, i) => i),
      INBOUND_CONCURRENCY,
      (i) => sim.inbound(sessions[i % sessions.length]!.phoneNumber, INBOUND_CONTACT, `${label} ${i}`),
    )
    await waitUntil(`${total} webhook deliveries`, () => receiver.received >= before + total, { timeoutMs: 60_000 + total * 50, intervalMs: 20 })
  }
  try {
    await write(INBOUND_WARM_UP, 'warm-up')
    const meter = new CpuMeter({ server: serverPid, sim: sim.child.pid })
    const startedAt = performance.now()
    await write(count, 'inbound')
    const { cpuS, utilization } = meter.stop()
    const elapsedS = (receiver.lastAt - startedAt) / 1000
    return {
      messages: count,
      sessions: sessions.length,
      elapsedS,
      perSecond: count / elapsedS,
      serverCpuMsPerMessage: (cpuS.server! * 1000) / count,
      serverUtilization: utilization.server!,
      simUtilization: utilization.sim!,
    }
  } finally {
    for (const { deviceId, id } of webhookIds) await api.request('DELETE', `/api/sessions/${deviceId}/webhooks/${id}`)
    await receiver.close()
  }
}

/**
 * `rounds` inbound measurements, each followed by bare Baileys receiving the same count through one
 * socket: on a shared machine one run can be off by half, so the goal takes the median of the
 * run-by-run ratios, as the send goals do.
 */
export async function measureInboundBesideBare(
  api: Api, sim: SimProcess, serverPid: number, sessions: PairedSession[], count: number, rounds: number, root: string, log: (line: string) => void,
): Promise<InboundRound[]> {
  log(`inbound: ${RECEIVE_WARM_UP} texts to webhooks, not counted`)
  await measureInbound(api, sim, serverPid, sessions, RECEIVE_WARM_UP)
  const measured: InboundRound[] = []
  for (let round = 1; round <= rounds; round++) {
    log(`inbound: ${count} texts to webhooks (${round}/${rounds})`)
    const benchCpu = process.cpuUsage()
    const inbound = await measureInbound(api, sim, serverPid, sessions, count)
    const { user, system } = process.cpuUsage(benchCpu)
    const bare = await runBareReceive(root, sim, { from: INBOUND_CONTACT, count, warmUp: RECEIVE_WARM_UP, concurrency: INBOUND_CONCURRENCY })
    const benchUtilization = (user + system) / 1e6 / inbound.elapsedS
    measured.push({ ...inbound, bare, benchUtilization })
    log(`  server ${fixed(inbound.serverCpuMsPerMessage, 2)} ms CPU per received message, bare Baileys ${fixed(bare.cpuMsPer, 2)} ms: ${fixed(inbound.serverCpuMsPerMessage / bare.cpuMsPer, 2)}x; ` +
      `${fixed(inbound.perSecond, 0)} msg/s, cores: server ${fixed(inbound.serverUtilization, 2)}, simulator ${fixed(inbound.simUtilization, 2)}, bench ${fixed(benchUtilization, 2)}`)
  }
  return measured
}
