import type { Api } from './api.js'
import { CpuMeter } from './proc.js'
import { median } from './stats.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, SETTLE_AFTER_OPEN_MS, sleep, waitUntil } from './wait.js'

export interface PairedSession {
  deviceId: string
  phoneNumber: string
}

export interface PairingResult {
  count: number
  elapsedS: number
  perSecond: number
  /** Server CPU seconds per pairing, everything from create to connected included. */
  serverCpuPerPairingS: number
  simCpuPerPairingS: number
  medianPairMs: number
}

/** Creates a session, has the simulated phone scan its QR code, and waits until it is connected: what an operator does. */
async function pairOne(api: Api, sim: SimProcess, deviceId: string): Promise<PairedSession & { ms: number }> {
  const startedAt = performance.now()
  await api.expect(201, 'POST', '/api/sessions', { deviceId })
  const qrCode = await waitUntil(
    `QR code of ${deviceId}`,
    async () => {
      const response = await api.request('GET', `/api/sessions/${deviceId}/qr`)
      return response.status === 200 && (response.body.qrCode as string)
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  )
  const phoneNumber = await sim.scan(qrCode)
  await waitUntil(
    `${deviceId} connected`,
    async () => ((await api.expect(200, 'GET', `/api/sessions/${deviceId}`)).session as { connectionState: string }).connectionState === 'connected',
    { timeoutMs: 60_000, intervalMs: 50 },
  )
  return { deviceId, phoneNumber, ms: performance.now() - startedAt }
}

/** Pairs `deviceIds` through the API, `concurrency` at a time, and measures the time and CPU it took. */
export async function pairSessions(
  api: Api,
  sim: SimProcess,
  serverPid: number,
  deviceIds: string[],
  concurrency: number,
): Promise<{ sessions: PairedSession[]; result: PairingResult }> {
  const meter = new CpuMeter({ server: serverPid, sim: sim.child.pid })
  const startedAt = performance.now()
  const paired = await mapLimit(deviceIds, concurrency, (deviceId) => pairOne(api, sim, deviceId))
  const elapsedS = (performance.now() - startedAt) / 1000
  // The last sessions' post-login work belongs to their pairing, as in the bare Baileys measurement.
  await sleep(SETTLE_AFTER_OPEN_MS)
  const { cpuS } = meter.stop()
  return {
    sessions: paired.map(({ deviceId, phoneNumber }) => ({ deviceId, phoneNumber })),
    result: {
      count: paired.length,
      elapsedS,
      perSecond: paired.length / elapsedS,
      serverCpuPerPairingS: cpuS.server! / paired.length,
      simCpuPerPairingS: cpuS.sim! / paired.length,
      medianPairMs: median(paired.map((p) => p.ms)) ?? 0,
    },
  }
}
