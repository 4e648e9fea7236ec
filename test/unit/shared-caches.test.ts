import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createSharedCaches } from '../../src/whatsapp/shared-caches.js'

describe('shared Baileys caches', () => {
  it('keeps each session\'s entries apart in one store', async () => {
    const cachesFor = createSharedCaches()
    const a = cachesFor('a').userDevicesCache
    const b = cachesFor('b').userDevicesCache
    await a.set('15550001111', [{ user: '15550001111', device: 0 }])
    assert.deepEqual(await a.get('15550001111'), [{ user: '15550001111', device: 0 }])
    assert.equal(await b.get('15550001111'), undefined)
    await b.set('15550001111', [])
    await a.del('15550001111')
    assert.equal(await a.get('15550001111'), undefined)
    assert.deepEqual(await b.get('15550001111'), [])
  })

  it('flushes only the session asked, and treats an undefined value as a delete', async () => {
    const cachesFor = createSharedCaches()
    const a = cachesFor('a').msgRetryCounterCache
    const b = cachesFor('b').msgRetryCounterCache
    await a.set('m1', 1)
    await b.set('m1', 2)
    await a.flushAll()
    assert.equal(await a.get('m1'), undefined)
    assert.equal(await b.get('m1'), 2)
    await b.set('m1', undefined)
    assert.equal(await b.get('m1'), undefined)
  })
})
