import type { Api } from './api.js'
import type { PairedSession } from './pairing.js'
import { CpuMeter } from './proc.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, waitUntil } from './wait.js'

export interface GroupSendResult {
  members: number
  /** The first send: the group's metadata read once, its members' devices looked up and given the sender key. */
  firstSendMs: number
  /** Sends measured after the first. */
  messages: number
  serverCpuMsPerMessage: number
  /** Metadata queries the simulator answered for this group over all sends, the first included. */
  metadataQueries: number
  /** Sends the simulator decrypted (every member's phone took the sender key); 0 in ackOnly mode. */
  verified: number
}

/** Sends to one group in flight at once; a session writes them one after another anyway. */
export const GROUP_SENDS_IN_FLIGHT = 4

/**
 * Groups of each size with one paired session as their owner and invented members (contacts, not
 * paired accounts): one synchronous send sets the group up, then `messages` more through the API are
 * measured for server CPU, and the simulator says how often the group's metadata was asked for.
 */
export async function measureGroupSends(api: Api, sim: SimProcess, serverPid: number, owner: PairedSession, sizes: number[], messages: number): Promise<GroupSendResult[]> {
  const results: GroupSendResult[] = []
  for (const [index, members] of sizes.entries()) {
    const participants = Array.from({ length: members - 1 }, (_, i) => `49176${index}${String(i).padStart(6, '0')}`)
    const group = await sim.createGroup(`Bench ${members}`, owner.phoneNumber, participants)
    const send = (text: string) => api.expect(200, 'POST', '/api/messages/send', { deviceId: owner.deviceId, number: group, message: text })
    const receivedBefore = (await sim.receivedCount()).count
    const firstAt = performance.now()
    await send(`group ${members}: first`)
    const firstSendMs = performance.now() - firstAt
    const meter = new CpuMeter({ server: serverPid })
    await mapLimit(Array.from({ length: messages }, (_, i) => i), GROUP_SENDS_IN_FLIGHT, (i) => send(`group ${members}: ${i}`))
    const { cpuS } = meter.stop()
    const expected = sim.ackOnly ? 0 : messages + 1
    if (expected > 0) await waitUntil(`${expected} group messages decrypted`, async () => (await sim.receivedCount()).count - receivedBefore >= expected, { timeoutMs: 60_000 + members * 100, intervalMs: 50 })
    results.push({
      members,
      firstSendMs,
      messages,
      serverCpuMsPerMessage: (cpuS.server! * 1000) / messages,
      metadataQueries: await sim.groupMetadataQueries(group),
      verified: sim.ackOnly ? 0 : (await sim.receivedCount()).count - receivedBefore,
    })
  }
  return results
}
