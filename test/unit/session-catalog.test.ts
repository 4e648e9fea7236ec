import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SessionCatalog } from '../../src/store/session-catalog.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

describe('SessionCatalog', () => {
  it('answers like the database after every kind of write, and loads what was there', async () => {
    const store = openSqliteStore(tempDir())
    const database = store.sessions
    await database.create('existing', 'stopped')
    const catalog = await SessionCatalog.load(database)
    assert.deepEqual(catalog.list(), await database.list())

    assert.equal(await catalog.create('shop', 'running'), true)
    assert.equal(await catalog.create('shop', 'running'), false)
    await catalog.setDesiredState('shop', 'stopped')
    await catalog.setApiKey('shop', 'hash', 'prefix12')
    await catalog.setAccount('shop', '15550001111', 'Shop')
    await catalog.setSendRate('shop', 30)
    assert.deepEqual(catalog.get('shop'), await database.get('shop'))
    assert.deepEqual(catalog.list(), await database.list())
    assert.equal(catalog.get('shop')?.sendRatePerMinute, 30)

    assert.equal(await catalog.delete('shop'), true)
    assert.equal(catalog.get('shop'), undefined)
    assert.equal(await database.get('shop'), undefined)
    assert.equal(await catalog.delete('shop'), false)
    await store.close()
  })

  it('writes an account again only when it changed (every connect reports it), and tells other nodes only then', async () => {
    const store = openSqliteStore(tempDir())
    const told: string[] = []
    const catalog = await SessionCatalog.load(store.sessions, (deviceId) => told.push(deviceId))
    await catalog.create('shop', 'running')
    await catalog.setAccount('shop', '15550001111', 'Shop')
    const written = (await store.sessions.get('shop'))!
    told.length = 0
    await catalog.setAccount('shop', '15550001111', 'Shop')
    assert.deepEqual(told, [])
    assert.deepEqual(await store.sessions.get('shop'), written)
    for (const [phoneNumber, pushName] of [['15550001111', 'Shop & Co'], ['15550002222', 'Shop & Co'], [null, null]] as const) {
      await catalog.setAccount('shop', phoneNumber, pushName)
      const stored = await store.sessions.get('shop')
      assert.deepEqual([stored?.phoneNumber, stored?.pushName], [phoneNumber, pushName])
      assert.deepEqual(catalog.get('shop'), stored)
    }
    assert.deepEqual(told, ['shop', 'shop', 'shop'])
    await store.close()
  })

  it('keeps its listed order through updates, each listed record the latest, and re-orders on create and delete', async () => {
    const store = openSqliteStore(tempDir())
    const catalog = await SessionCatalog.load(store.sessions)
    // Created in a burst, many share a millisecond: the device id orders those.
    const ids = Array.from({ length: 60 }, (_, index) => `s${(index * 37) % 60}`)
    for (const id of ids) await catalog.create(id, 'running')
    assert.deepEqual(catalog.list(), await store.sessions.list())
    for (const id of ids.filter((_, index) => index % 3 === 0)) await catalog.setAccount(id, `1555${id.slice(1)}`, `Name ${id}`)
    await store.sessions.setDesiredState('s7', 'stopped')
    await catalog.refresh('s7')
    assert.deepEqual(catalog.list(), await store.sessions.list())
    for (const record of catalog.list()) assert.equal(record, catalog.get(record.deviceId))
    await catalog.delete('s11')
    await catalog.create('late', 'running')
    assert.deepEqual(catalog.list(), await store.sessions.list())
    await store.close()
  })

  it('picks up changes made behind its back when refreshed', async () => {
    const store = openSqliteStore(tempDir())
    const catalog = await SessionCatalog.load(store.sessions)
    await store.sessions.create('elsewhere', 'running')
    assert.equal(catalog.get('elsewhere'), undefined)
    await catalog.refresh('elsewhere')
    assert.equal(catalog.get('elsewhere')?.desiredState, 'running')
    await store.sessions.delete('elsewhere')
    await catalog.reload()
    assert.deepEqual(catalog.list(), [])
    await store.close()
  })

  it('keeps the newest read when reads of one session finish out of order', async () => {
    const store = openSqliteStore(tempDir())
    await store.sessions.create('shop', 'running')
    const answers: Array<() => void> = []
    const slow = { ...store.sessions, get: async (deviceId: string) => {
      const record = await store.sessions.get(deviceId)
      await new Promise<void>((resolve) => answers.push(resolve))
      return record
    } }
    const catalog = await SessionCatalog.load(slow)
    const older = catalog.refresh('shop')
    await store.sessions.setDesiredState('shop', 'stopped')
    const newer = catalog.refresh('shop')
    await new Promise((resolve) => setImmediate(resolve))
    answers[1]!()
    await newer
    answers[0]!()
    await older
    assert.equal(catalog.get('shop')?.desiredState, 'stopped')
    await store.close()
  })

  it('lets a reload of every session overwrite none that a later read of one session brought', async () => {
    const store = openSqliteStore(tempDir())
    for (const id of ['shop', 'gone', 'other']) await store.sessions.create(id, 'running')
    let holdList = false
    let answerList: (() => void) | undefined
    const held = { ...store.sessions, list: async () => {
      const records = await store.sessions.list()
      if (holdList) await new Promise<void>((resolve) => (answerList = resolve))
      return records
    } }
    const catalog = await SessionCatalog.load(held)
    // The reload reads its list before these changes and finishes after the reads of them.
    holdList = true
    const reload = catalog.reload()
    await waitFor(() => answerList !== undefined, { what: 'the reload to have read its list' })
    await store.sessions.setDesiredState('shop', 'stopped')
    await store.sessions.delete('gone')
    await Promise.all([catalog.refresh('shop'), catalog.refresh('gone')])
    answerList!()
    await reload
    assert.equal(catalog.get('shop')?.desiredState, 'stopped')
    assert.equal(catalog.get('gone'), undefined)
    assert.equal(catalog.get('other')?.desiredState, 'running', 'what no later read covered comes from the reload')
    assert.deepEqual(catalog.list(), await store.sessions.list())
    await store.close()
  })
})
