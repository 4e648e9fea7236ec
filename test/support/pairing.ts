import type { Simulator } from '../../sim/index.js'
import type { ApiClient } from './api-client.js'
import { waitFor } from './wait-for.js'

/** Waits for the session's QR code, lets the simulated phone scan it, and waits until the session is connected. */
export async function scanAndConnect(admin: ApiClient, sim: Simulator, deviceId: string, phoneNumber: string): Promise<void> {
  const qr = await waitFor(async () => {
    const response = await admin.get(`/api/sessions/${deviceId}/qr`)
    return response.status === 200 && (response.body as { qrCode: string })
  }, { what: `QR code of ${deviceId}` })
  await sim.scanQr(qr.qrCode, { phoneNumber })
  await waitFor(async () => (await admin.state(deviceId)) === 'connected', { what: `${deviceId} connected` })
}

/** Creates a session, pairs it with the simulated phone and gives it a key; returns the key. */
export async function createPairedSession(admin: ApiClient, sim: Simulator, deviceId: string, phoneNumber: string): Promise<string> {
  const created = await admin.post('/api/sessions', { deviceId })
  if (created.status !== 201) throw new Error(`could not create ${deviceId}: ${JSON.stringify(created.body)}`)
  await scanAndConnect(admin, sim, deviceId, phoneNumber)
  return (await admin.put(`/api/sessions/${deviceId}/api-key`, {})).body.apiKey as string
}
