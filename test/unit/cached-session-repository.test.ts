import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cachedSessionRepository } from '../../src/store/cached-session-repository.js'
import { openDatabase } from '../../src/store/database.js'
import { createSqliteSessionRepository } from '../../src/store/sqlite-session-repository.js'
import { tempDir } from '../support/temp-dir.js'

describe('cachedSessionRepository', () => {
  it('answers like the database after every kind of write, and loads what was there', () => {
    const db = openDatabase(tempDir())
    const database = createSqliteSessionRepository(db)
    database.create('existing', 'stopped')
    const cached = cachedSessionRepository(database)
    assert.deepEqual(cached.list(), database.list())

    assert.equal(cached.create('shop', 'running'), true)
    assert.equal(cached.create('shop', 'running'), false)
    cached.setDesiredState('shop', 'stopped')
    cached.setApiKey('shop', 'hash', 'prefix12')
    cached.setAccount('shop', '15550001111', 'Shop')
    cached.setSendRate('shop', 30)
    assert.deepEqual(cached.get('shop'), database.get('shop'))
    assert.deepEqual(cached.list(), database.list())
    assert.equal(cached.get('shop')?.sendRatePerMinute, 30)

    assert.equal(cached.delete('shop'), true)
    assert.equal(cached.get('shop'), undefined)
    assert.equal(database.get('shop'), undefined)
    assert.equal(cached.delete('shop'), false)
  })
})
