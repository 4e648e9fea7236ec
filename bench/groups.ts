import type { Api } from './api.js'
import type { PairedSession } from './pairing.js'
import { cpuSeconds } from './proc.js'
import type { SimProcess } from './sim-process.js'
import { waitUntil } from './wait.js'

export interface GroupSendResult {
  members: number
  /** The first send until every member decrypted it: the group's metadata read, its members' devices looked up and given the sender key. */
  firstSendMs: number
  /** Sends measured after the first. */
  messages: number
  serverCpuMsPerMessage: number
  /** Metadata queries the simulator answered for this group over all sends, the first included. */
  metadataQueries: number
  /** Sends every member's phone decrypted (the first included); 0 in ackOnly mode. */
  verified: number
}

/**
 * Groups of each size with one paired session as their owner and invented members (contacts, not
 * paired accounts): one send sets the group up, then up to `messages` more through the API are
 * measured for server CPU, and the simulator says how often the group's metadata was asked for.
 */
export async function measureGroupSends(api: Api, sim: SimProcess, serverPid: number, owner: PairedSession, sizes: number[], messages: number): Promise<GroupSendResult[]> {
  const results: GroupSendResult[] = []
  for (const [index, members] of sizes.entries()) {
    const participants = Array.from({ length: members - 1 }, (_, i) => `49176${index}${String(i).padStart(6, '0')}`)
    const group = await sim.createGroup(`Bench ${members}`, owner.phoneNumber, participants)
    let sent = 0
    /** Server CPU seconds while requests were in flight; not while the simulator's phones decrypt, when the server idles. */
    let busyCpuS = 0
    // One at a time, each until every member's phone decrypted it: the simulator checks each copy with
    // pure-JS crypto, and a backlog of them would hold its acks past the outbox's ack timeout.
    const send = async (text: string): Promise<void> => {
      const cpuBefore = cpuSeconds(serverPid)
      await api.expect(200, 'POST', '/api/messages/send', { deviceId: owner.deviceId, number: group, message: text })
      busyCpuS += cpuSeconds(serverPid) - cpuBefore
      sent++
      if (!sim.ackOnly) {
        await waitUntil(`group message ${sent} decrypted by all ${members - 1} members`, async () => (await sim.groupStats(group)).decryptions >= sent * (members - 1),
          { timeoutMs: 60_000 + members * 100, intervalMs: 20 })
      }
    }
    const firstAt = performance.now()
    await send(`group ${members}: first`)
    const firstSendMs = performance.now() - firstAt
    // fewer sends to the biggest groups, for the simulator's sake
    const count = Math.min(messages, Math.max(10, Math.round(10_000 / members)))
    busyCpuS = 0
    for (let i = 0; i < count; i++) await send(`group ${members}: ${i}`)
    const stats = await sim.groupStats(group)
    results.push({
      members,
      firstSendMs,
      messages: count,
      serverCpuMsPerMessage: (busyCpuS * 1000) / count,
      metadataQueries: stats.queries,
      verified: sim.ackOnly ? 0 : Math.floor(stats.decryptions / (members - 1)),
    })
  }
  return results
}
