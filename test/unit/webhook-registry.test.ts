import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GLOBAL_WEBHOOK_ID, WebhookRegistry } from '../../src/events/webhook-registry.js'
import { SafeFetcher } from '../../src/security/safe-fetch.js'
import type { WebhookRecord, WebhookRepository } from '../../src/store/ports.js'
import type { SessionCatalog } from '../../src/store/session-catalog.js'

/** An in-memory webhook table that counts reads by id, and can hold one read until released. */
function webhookTable() {
  const rows = new Map<string, WebhookRecord>()
  let held: Promise<void> | undefined
  const table = {
    reads: 0,
    hold(): () => void {
      let release!: () => void
      held = new Promise((resolve) => (release = resolve))
      return () => {
        held = undefined
        release()
      }
    },
    repository: {
      create: async (record) => void rows.set(record.id, record),
      listForDevice: async (deviceId) => [...rows.values()].filter((row) => row.deviceId === deviceId),
      get: async (id) => {
        table.reads++
        // a fresh object per read, as a database gives: the same object twice means it came from the cache
        const row = rows.get(id)
        await held
        return row && { ...row }
      },
      delete: async (id) => rows.delete(id),
    } satisfies WebhookRepository,
  }
  return table
}

const sessions = { get: () => ({}) } as unknown as SessionCatalog
const urls = new SafeFetcher({ allowPrivate: true, timeoutMs: 1000, maxBytes: 1024 })

describe('WebhookRegistry.resolve', () => {
  it('reads a webhook once and hands out the same object until the session\'s webhooks change', async () => {
    const table = webhookTable()
    const registry = new WebhookRegistry(table.repository, sessions, urls, undefined)
    const hook = await registry.create('dev1', { url: 'http://127.0.0.1:9/hook' })
    const first = await registry.resolve(hook.id)
    assert.equal(first?.url, hook.url)
    assert.equal(await registry.resolve(hook.id), first)
    assert.equal(table.reads, 1)
    registry.forgetSession('dev2')
    assert.equal(await registry.resolve(hook.id), first, 'another session\'s change keeps it')
    registry.forgetSession('dev1')
    const reread = await registry.resolve(hook.id)
    assert.notEqual(reread, first, 'read again after its session changed')
    assert.deepEqual(reread, first)
    assert.equal(table.reads, 2)
    assert.equal(await registry.delete('dev1', hook.id), true)
    assert.equal(await registry.resolve(hook.id), undefined, 'a removed webhook is gone at once')
  })

  it('does not keep a read that overlapped a removal', async () => {
    const table = webhookTable()
    const registry = new WebhookRegistry(table.repository, sessions, urls, undefined)
    const hook = await registry.create('dev1', { url: 'http://127.0.0.1:9/hook' })
    const release = table.hold()
    const reading = registry.resolve(hook.id)
    await table.repository.delete(hook.id)
    registry.forgetSession('dev1')
    release()
    assert.equal((await reading)?.id, hook.id, 'the read began before the removal')
    assert.equal(await registry.resolve(hook.id), undefined)
  })

  it('reads again once the cache is older than its maximum age, and hands out one global webhook', async () => {
    const table = webhookTable()
    const global = { url: 'http://127.0.0.1:9/global', secret: 's', events: [] }
    const registry = new WebhookRegistry(table.repository, sessions, urls, global, () => undefined, 0)
    const hook = await registry.create('dev1', { url: 'http://127.0.0.1:9/hook' })
    await registry.resolve(hook.id)
    await registry.resolve(hook.id)
    assert.equal(table.reads, 2)
    const resolved = await registry.resolve(GLOBAL_WEBHOOK_ID)
    assert.equal(resolved?.url, global.url)
    assert.equal(await registry.resolve(GLOBAL_WEBHOOK_ID), resolved)
    assert.deepEqual((await registry.targetsFor('dev1', 'message.received')).map((target) => target.id), [GLOBAL_WEBHOOK_ID, hook.id])
  })
})
