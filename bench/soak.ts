import type { Api } from './api.js'
import { settledMemory, type MemorySample } from './memory.js'
import type { PairedSession } from './pairing.js'
import { heapUsedBytes } from './metrics.js'
import { rssBytes } from './proc.js'
import type { SimProcess } from './sim-process.js'
import { sleep } from './wait.js'

export interface SoakResult {
  minutes: number
  ratePerS: number
  sent: number
  inbound: number
  failures: number
  start: MemorySample
  end: MemorySample
  maxRssBytes: number
  /** RSS and heap in use taken under load, about ten times over the run: the trend between start and end. */
  trend: Array<{ atS: number; rssBytes: number; heapUsedBytes: number }>
}

const TICK_MS = 100
/** Requests allowed in flight; a server that falls behind shows up as failures, not as an ever-growing backlog here. */
const MAX_IN_FLIGHT = 200
const CONTACT = '4915100000003'

/**
 * Steady traffic for `minutes`: queued sends at `ratePerS` spread over the sessions, and a quarter
 * as many inbound texts. Memory is taken settled before and after, to see whether it stays flat.
 */
export async function soak(api: Api, sim: SimProcess, serverPid: number, sessions: PairedSession[], recipient: string, minutes: number, ratePerS: number): Promise<SoakResult> {
  const start = await settledMemory(serverPid, api.baseUrl, 60)
  let sent = 0
  let inbound = 0
  let failures = 0
  let inFlight = 0
  let maxRssBytes = start.rssBytes
  const track = (work: Promise<boolean>): void => {
    inFlight++
    void work
      .then((ok) => (ok ? undefined : failures++), () => failures++)
      .finally(() => inFlight--)
  }
  const startedAt = performance.now()
  const endAt = startedAt + minutes * 60_000
  const trend: SoakResult['trend'] = []
  const trendEveryTicks = Math.max(1, Math.round((minutes * 60_000) / 10 / TICK_MS))
  let due = 0
  for (let tick = 0; performance.now() < endAt; tick++) {
    due += (ratePerS * TICK_MS) / 1000
    for (; due >= 1; due--) {
      if (inFlight >= MAX_IN_FLIGHT) {
        failures++
        continue
      }
      const session = sessions[sent % sessions.length]!
      sent++
      track(api.request('POST', '/api/messages/send', { deviceId: session.deviceId, number: recipient, message: `soak ${sent}`, queue: true }).then((r) => r.status === 202))
      if (sent % 4 === 0) {
        inbound++
        track(sim.inbound(session.phoneNumber, CONTACT, `soak in ${inbound}`).then(() => true))
      }
    }
    if (tick % 10 === 0) maxRssBytes = Math.max(maxRssBytes, rssBytes(serverPid))
    if (tick > 0 && tick % trendEveryTicks === 0) {
      trend.push({ atS: (performance.now() - startedAt) / 1000, rssBytes: rssBytes(serverPid), heapUsedBytes: await heapUsedBytes(api.baseUrl) })
    }
    await sleep(TICK_MS)
  }
  while (inFlight) await sleep(10)
  const end = await settledMemory(serverPid, api.baseUrl, 60)
  return { minutes, ratePerS, sent, inbound, failures, start, end, maxRssBytes: Math.max(maxRssBytes, end.rssBytes), trend }
}
