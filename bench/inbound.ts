import type { Api } from './api.js'
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

/** Contact numbers the simulator writes from; not a paired account. */
const CONTACT = '4915100000002'
/** Inbound messages handed to the simulator at once. */
const INJECT_CONCURRENCY = 20

/**
 * A contact writes `count` texts to `sessions` (round robin); each session has a webhook for
 * message.received pointing at a local receiver. Measures how fast they all arrive there.
 */
export async function measureInbound(api: Api, sim: SimProcess, serverPid: number, sessions: PairedSession[], count: number): Promise<InboundResult> {
  const receiver = await WebhookReceiver.start()
  // Events of one session reach one webhook in order, one at a time: several sessions show the parallelism.
  const webhookIds: Array<{ deviceId: string; id: string }> = []
  for (const { deviceId } of sessions) {
    const body = await api.expect(201, 'POST', `/api/sessions/${deviceId}/webhooks`, { url: receiver.url, events: ['message.received'] })
    webhookIds.push({ deviceId, id: (body.webhook as { id: string }).id })
  }
  try {
    const meter = new CpuMeter({ server: serverPid, sim: sim.child.pid })
    const startedAt = performance.now()
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      INJECT_CONCURRENCY,
      (i) => sim.inbound(sessions[i % sessions.length]!.phoneNumber, CONTACT, `inbound ${i}`),
    )
    await waitUntil(`${count} webhook deliveries`, () => receiver.received >= count, { timeoutMs: 60_000 + count * 50, intervalMs: 20 })
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
