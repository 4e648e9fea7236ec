import type { Store } from '../src/store/ports.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit } from './wait.js'

/** Provision calls to the simulator in flight while seeding. */
const SEED_CONCURRENCY = 16
/** Pre-keys each seeded device holds on the simulator and in the server's store: above Baileys' threshold for uploading more at login (5). */
export const SEEDED_PRE_KEYS = 30

/**
 * Links a device at the simulator for each id and writes it as a running session with its creds and
 * pre-keys, as the server finds a device paired in the past: ten thousand first logins at once, each
 * generating and uploading 812 pre-keys, is not a state a node meets (pairing runs at a few per
 * second). Returns each session's phone number by device id.
 */
export async function seedLinkedDevices(store: Pick<Store, 'sessions' | 'authStates'>, sim: SimProcess, deviceIds: string[]): Promise<Map<string, string>> {
  const seeded = await mapLimit(deviceIds, SEED_CONCURRENCY, async (deviceId) => {
    const { phoneNumber, credsJson, preKeys } = await sim.provision(SEEDED_PRE_KEYS)
    await store.sessions.create(deviceId, 'running')
    await store.authStates.writeCreds(deviceId, credsJson)
    await store.authStates.writeKeys(deviceId, preKeys.map(({ id, json }) => ({ type: 'pre-key', id, value: json })))
    return [deviceId, phoneNumber] as const
  })
  return new Map(seeded)
}
