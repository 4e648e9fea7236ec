import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import makeWASocket, { DEFAULT_CONNECTION_CONFIG, initAuthCreds } from '@whiskeysockets/baileys'
import pino from 'pino'
import { makeMemoryKeyStore } from '../../sim/memory-keys.js'
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

describe('per-socket Baileys caches in shared stores', () => {
  const silent = pino({ level: 'silent' })

  it('keeps each socket\'s entries apart, and a clear drops only its own', () => {
    const cachesFor = createSharedCaches()
    const first = cachesFor('a').lidMappingCache
    const next = cachesFor('a').lidMappingCache
    const other = cachesFor('b').lidMappingCache
    first.set('pn:15550001111', '111@lid')
    other.set('pn:15550001111', '222@lid')
    assert.equal(first.get('pn:15550001111'), '111@lid')
    assert.equal(next.has('pn:15550001111'), false, 'a later socket of the same session starts empty, as in Baileys')
    first.clear()
    assert.equal(first.has('pn:15550001111'), false)
    assert.equal(other.get('pn:15550001111'), '222@lid')
    first.set('pn:15550001111', '333@lid')
    assert.equal(first.get('pn:15550001111'), '333@lid')
  })

  it('is what Baileys\' Signal repository keeps its LID mappings and migrations in, and clears on close', async () => {
    const caches = createSharedCaches()('a')
    const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: initAuthCreds(), keys: makeMemoryKeyStore() }, silent, undefined, {
      lidMappings: caches.lidMappingCache,
      migratedSessions: caches.migratedSessionCache,
    })
    await repository.lidMapping.storeLIDPNMappings([{ lid: '99887766@lid', pn: '15550001111@s.whatsapp.net' }])
    assert.equal(caches.lidMappingCache.get('pn:15550001111'), '99887766')
    assert.equal(caches.lidMappingCache.get('lid:99887766'), '15550001111')
    assert.equal(await repository.lidMapping.getLIDForPN('15550001111@s.whatsapp.net'), '99887766@lid')
    repository.close?.()
    assert.equal(caches.lidMappingCache.has('pn:15550001111'), false)
  })

  it('reaches Baileys through the socket config', () => {
    let received: unknown
    const caches = createSharedCaches()('a')
    const socket = makeWASocket({
      auth: { creds: initAuthCreds(), keys: makeMemoryKeyStore() },
      logger: silent,
      waWebSocketUrl: 'ws://127.0.0.1:9/ws',
      ...caches,
      makeSignalRepository: (auth, logger, pnToLID, signalCaches) => {
        received = signalCaches
        return DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger, pnToLID, signalCaches)
      },
    })
    socket.ws.on('error', () => undefined)
    socket.end(undefined)
    assert.deepEqual(received, { lidMappings: caches.lidMappingCache, migratedSessions: caches.migratedSessionCache })
  })
})
