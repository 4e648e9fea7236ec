import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { ClusterNode } from '../../src/cluster/cluster-node.js'
import type { ClusterRepository, RuntimeRow } from '../../src/cluster/cluster-repository.js'
import { LeaseBook } from '../../src/cluster/lease-book.js'
import type { ConnectionState } from '../../src/sessions/session-runtime.js'

/** A repository whose reads of published states each wait until the test answers them, in any order. */
function delayedReads(): { repository: ClusterRepository; pending: Array<{ deviceId: string | undefined; answer: (rows: RuntimeRow[]) => void }> } {
  const pending: Array<{ deviceId: string | undefined; answer: (rows: RuntimeRow[]) => void }> = []
  const repository = {
    runtimes: (deviceId?: string) => new Promise<RuntimeRow[]>((answer) => pending.push({ deviceId, answer })),
  } as unknown as ClusterRepository
  return { repository, pending }
}

const row = (deviceId: string, state: ConnectionState, nodeId = 'node-b'): RuntimeRow =>
  ({ deviceId, nodeId, snapshot: JSON.stringify({ state, qr: null, account: null, lastError: null }) })

function nodeReading(repository: ClusterRepository): ClusterNode {
  return new ClusterNode({
    nodeId: 'node-a', leaseTtlMs: 15_000, heartbeatMs: 3_000, repository, leases: new LeaseBook('node-a'),
    logger: pino({ level: 'silent' }), announceRelease: () => undefined, announceState: () => undefined,
  })
}

describe('ClusterNode: states published by other nodes', () => {
  it('keeps the latest read of a session when an older one finishes after it (notices of a session moving, answered out of order)', async () => {
    const { repository, pending } = delayedReads()
    const node = nodeReading(repository)
    const connecting = node.loadPublished('s1')
    const connected = node.loadPublished('s1')
    pending[1]!.answer([row('s1', 'connected')])
    await connected
    pending[0]!.answer([row('s1', 'connecting')])
    await connecting
    assert.equal(node.publishedSnapshot('s1')?.state, 'connected')
    // In order, each read counts.
    const next = node.loadPublished('s1')
    pending[2]!.answer([row('s1', 'reconnecting')])
    await next
    assert.equal(node.publishedSnapshot('s1')?.state, 'reconnecting')
  })

  it('neither brings back a deleted session from an older read nor lets a full reload started earlier overwrite a newer read', async () => {
    const { repository, pending } = delayedReads()
    const node = nodeReading(repository)
    const everything = node.loadPublished()
    const older = node.loadPublished('gone')
    const deleted = node.loadPublished('gone')
    const moved = node.loadPublished('s2')
    pending[2]!.answer([])
    pending[3]!.answer([row('s2', 'connected', 'node-c')])
    await Promise.all([deleted, moved])
    pending[1]!.answer([row('gone', 'connected')])
    pending[0]!.answer([row('gone', 'connected'), row('s2', 'disconnected', 'node-b'), row('s3', 'qr')])
    await Promise.all([older, everything])
    assert.equal(node.publishedSnapshot('gone'), undefined)
    assert.equal(node.publishedSnapshot('s2')?.state, 'connected')
    assert.equal(node.publishedSnapshot('s3')?.state, 'qr', 'what no newer read covered still comes from the full reload')
    // With no read under way, a new read of the deleted session's id counts again.
    const recreated = node.loadPublished('gone')
    pending[4]!.answer([row('gone', 'connecting')])
    await recreated
    assert.equal(node.publishedSnapshot('gone')?.state, 'connecting')
  })
})
