import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferJSON, proto } from '@whiskeysockets/baileys'
import { createSqliteAuthStateRepository } from '../../src/store/sqlite/auth-state-repository.js'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { createSqliteSessionRepository } from '../../src/store/sqlite/session-repository.js'
import { databaseAuthState } from '../../src/whatsapp/auth-state.js'
import { KeyCache } from '../../src/whatsapp/key-cache.js'
import { TurnBudget } from '../../src/whatsapp/turn-budget.js'
import { tempDir } from '../support/temp-dir.js'

async function setup() {
  const db = openDatabase(tempDir())
  const sessions = createSqliteSessionRepository(db)
  const repository = createSqliteAuthStateRepository(db, new GroupCommit(db))
  await sessions.create('dev1', 'running')
  await sessions.create('dev2', 'running')
  return { db, sessions, repository }
}

describe('database auth state', () => {
  it('round-trips creds with their binary keys', async () => {
    const { repository } = await setup()
    const first = (await databaseAuthState(repository, 'dev1'))
    first.state.creds.me = { id: '15550001111:7@s.whatsapp.net', name: 'Ann' }
    await first.saveCreds()
    const again = (await databaseAuthState(repository, 'dev1'))
    assert.deepEqual(again.state.creds.me, { id: '15550001111:7@s.whatsapp.net', name: 'Ann' })
    assert.ok(Buffer.isBuffer(again.state.creds.noiseKey.private))
    assert.deepEqual(again.state.creds.noiseKey.private, first.state.creds.noiseKey.private)
  })

  it('starts with fresh creds when none are stored', async () => {
    const { repository } = await setup()
    const state = (await databaseAuthState(repository, 'dev1')).state
    assert.equal(state.creds.me, undefined)
    assert.equal(typeof state.creds.registrationId, 'number')
  })

  it('writes many types in one set, returns only existing ids and deletes on null', async () => {
    const { repository } = await setup()
    const { keys } = (await databaseAuthState(repository, 'dev1')).state
    const preKeys = Object.fromEntries(
      Array.from({ length: 812 }, (_, i) => [String(i + 1), { public: Buffer.alloc(32, i % 256), private: Buffer.alloc(32, 1) }]),
    )
    await keys.set({ 'pre-key': preKeys, session: { 'a.0': Buffer.from('session-a') }, 'lid-mapping': { '155': '999' } })
    const some = await keys.get('pre-key', ['1', '812', '9999'])
    assert.deepEqual(Object.keys(some).sort(), ['1', '812'])
    assert.deepEqual(some['812']?.public, Buffer.alloc(32, 811 % 256))
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': Buffer.from('session-a') })
    assert.deepEqual({ ...(await keys.get('lid-mapping', ['155'])) }, { '155': '999' })
    await keys.set({ 'pre-key': { '1': null }, session: { 'a.0': null } })
    assert.deepEqual(Object.keys(await keys.get('pre-key', ['1', '2'])), ['2'])
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, {})
  })

  it('revives app-state-sync-key values as protobuf objects', async () => {
    const { repository } = await setup()
    const { keys } = (await databaseAuthState(repository, 'dev1')).state
    const value = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from('key'), timestamp: 5 })
    await keys.set({ 'app-state-sync-key': { AAA: value } })
    const read = (await keys.get('app-state-sync-key', ['AAA'])).AAA
    assert.ok(read instanceof proto.Message.AppStateSyncKeyData)
    assert.deepEqual(Buffer.from(read.keyData!), Buffer.from('key'))
  })

  it('applies a multi-type set atomically: a failure midway writes nothing', async () => {
    const { repository, db } = await setup()
    const { keys } = (await databaseAuthState(repository, 'dev1')).state
    await keys.set({ session: { keep: Buffer.from('old') } })
    // A trigger that fails on one row stands in for a crash or constraint error in the middle of a set.
    db.exec(`CREATE TRIGGER fail_on_poison BEFORE INSERT ON auth_keys WHEN NEW.key_id = 'poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned write'); END`)
    await assert.rejects(async () => {
      await keys.set({ 'pre-key': { '1': { public: Buffer.alloc(1), private: Buffer.alloc(1) } }, session: { keep: null, poison: Buffer.from('x') } })
    }, /poisoned write/)
    assert.deepEqual({ ...(await keys.get('pre-key', ['1'])) }, {})
    assert.deepEqual({ ...(await keys.get('session', ['keep'])) }, { keep: Buffer.from('old') })
  })

  it('writes a pairing\'s 812 pre-keys in one commit', async () => {
    const { repository, db } = await setup()
    const { keys } = (await databaseAuthState(repository, 'dev1')).state
    let commits = 0
    const original = db.transaction.bind(db)
    db.transaction = ((fn: (...args: unknown[]) => unknown) => {
      const wrapped = original(fn)
      return Object.assign((...args: unknown[]) => {
        // Only an outermost transaction commits; one inside it is a savepoint.
        if (!db.inTransaction) commits += 1
        return wrapped(...args)
      }, wrapped)
    }) as typeof db.transaction
    // Repository built after the spy so its transactions are counted.
    const spied = (await databaseAuthState(createSqliteAuthStateRepository(db, new GroupCommit(db)), 'dev1')).state.keys
    const preKeys = Object.fromEntries(Array.from({ length: 812 }, (_, i) => [String(i + 1), { public: Buffer.alloc(32), private: Buffer.alloc(32) }]))
    await spied.set({ 'pre-key': preKeys })
    assert.equal(commits, 1)
    assert.equal(Object.keys(await keys.get('pre-key', Object.keys(preKeys))).length, 812)
  })

  it('keeps sessions apart and clears only the one asked, creds included', async () => {
    const { repository } = await setup()
    const one = (await databaseAuthState(repository, 'dev1'))
    const two = (await databaseAuthState(repository, 'dev2'))
    await one.saveCreds()
    await two.saveCreds()
    await one.state.keys.set({ session: { x: Buffer.from('1') } })
    await two.state.keys.set({ session: { x: Buffer.from('2') } })
    await repository.clear('dev1')
    assert.equal(await repository.readCreds('dev1'), undefined)
    assert.deepEqual({ ...(await one.state.keys.get('session', ['x'])) }, {})
    assert.notEqual(await repository.readCreds('dev2'), undefined)
    assert.deepEqual({ ...(await two.state.keys.get('session', ['x'])) }, { x: Buffer.from('2') })
  })

  it('stops writing once retired', async () => {
    const { repository } = await setup()
    const auth = (await databaseAuthState(repository, 'dev1'))
    auth.retire()
    await auth.saveCreds()
    await auth.state.keys.set({ session: { x: Buffer.from('1') } })
    assert.equal(await repository.readCreds('dev1'), undefined)
    assert.deepEqual({ ...(await auth.state.keys.get('session', ['x'])) }, {})
  })

  it('gives the event loop back before key work once the turn budget is spent', async () => {
    const { repository } = await setup()
    let now = 0
    const turns = new TurnBudget(10, () => now)
    const { keys } = (await databaseAuthState(repository, 'dev1', { turns })).state
    let loopRan = false
    setImmediate(() => (loopRan = true))
    await keys.set({ session: { 'a.0': { v: 1 } as unknown as Uint8Array } })
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { v: 1 } })
    assert.equal(loopRan, false, 'within the budget, key work does not wait for the loop')
    now = 10
    const read = keys.get('session', ['a.0'])
    assert.deepEqual({ ...(await read) }, { 'a.0': { v: 1 } })
    assert.equal(loopRan, true, 'past the budget, the read continued in a later turn')
  })

  it('loses auth state with the session row (cascade)', async () => {
    const { repository, sessions } = await setup()
    await (await databaseAuthState(repository, 'dev1')).saveCreds()
    await sessions.delete('dev1')
    assert.equal(await repository.readCreds('dev1'), undefined)
  })
})

describe('database auth state with the shared key cache', () => {
  it('serves hot keys from the cache, stays exact through writes and deletes, and forgets a device', async () => {
    const { repository } = await setup()
    const cache = new KeyCache(1024 * 1024)
    const { keys } = (await databaseAuthState(repository, 'dev1', { cache })).state
    await keys.set({ session: { 'a.0': { _sessions: { x: 1 } } as unknown as Uint8Array } })
    // Changed behind the cache's back: the cache must still answer, proving reads skip the database.
    await repository.writeKeys('dev1', [{ type: 'session', id: 'a.0', value: JSON.stringify({ _sessions: { x: 2 } }) }])
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { _sessions: { x: 1 } } })
    await keys.set({ session: { 'a.0': { _sessions: { x: 3 } } as unknown as Uint8Array } })
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { _sessions: { x: 3 } } })
    await keys.set({ session: { 'a.0': null } })
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, {})
    // A miss is cached too, and a later write replaces it.
    assert.deepEqual({ ...(await keys.get('identity-key', ['b'])) }, {})
    await keys.set({ 'identity-key': { b: Buffer.from('key') } })
    assert.deepEqual({ ...(await keys.get('identity-key', ['b'])) }, { b: Buffer.from('key') })
    await repository.writeKeys('dev1', [{ type: 'identity-key', id: 'b', value: JSON.stringify(Buffer.from('new'), BufferJSON.replacer) }])
    cache.dropDevice('dev1')
    assert.deepEqual({ ...(await keys.get('identity-key', ['b'])) }, { b: Buffer.from('new') })
  })

  it('never caches a value read before a write that landed while the read was under way', async () => {
    const { repository } = await setup()
    await repository.writeKeys('dev1', [{ type: 'session', id: 'a.0', value: JSON.stringify({ v: 'old' }) }])
    // A database that answers reads only when told to, as a slow network database does.
    let releaseRead: () => void = () => undefined
    const slow: typeof repository = {
      ...repository,
      readKeys: async (...args) => {
        const found = await repository.readKeys(...args)
        await new Promise<void>((resolve) => (releaseRead = resolve))
        return found
      },
    }
    const cache = new KeyCache(1024 * 1024)
    const { keys } = (await databaseAuthState(slow, 'dev1', { cache })).state
    const staleRead = keys.get('session', ['a.0'])
    await new Promise((resolve) => setImmediate(resolve))
    await keys.set({ session: { 'a.0': { v: 'new' } as unknown as Uint8Array } })
    releaseRead()
    assert.deepEqual({ ...(await staleRead) }, { 'a.0': { v: 'old' } })
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { v: 'new' } })
  })

  it('sends readers to the database while a write is under way, not to the value it replaces', async () => {
    const { repository } = await setup()
    let releaseWrite: () => void = () => undefined
    const slow: typeof repository = {
      ...repository,
      writeKeys: async (...args) => {
        await new Promise<void>((resolve) => (releaseWrite = resolve))
        await repository.writeKeys(...args)
      },
    }
    const cache = new KeyCache(1024 * 1024)
    const { keys } = (await databaseAuthState(slow, 'dev1', { cache })).state
    const first = keys.set({ session: { 'a.0': { v: 1 } as unknown as Uint8Array } })
    releaseWrite()
    await first
    const second = keys.set({ session: { 'a.0': { v: 2 } as unknown as Uint8Array } })
    assert.equal(cache.get('dev1', 'session', 'a.0'), undefined, 'the entry being rewritten is not served')
    releaseWrite()
    await second
    assert.deepEqual(cache.get('dev1', 'session', 'a.0'), { value: { v: 2 } })
  })

  it('after a failed write, serves neither the old nor the attempted value from the cache', async () => {
    const { repository } = await setup()
    let failWrites = false
    const flaky: typeof repository = {
      ...repository,
      writeKeys: async (...args) => {
        if (failWrites) throw new Error('disk full')
        await repository.writeKeys(...args)
      },
    }
    const cache = new KeyCache(1024 * 1024)
    const { keys } = (await databaseAuthState(flaky, 'dev1', { cache })).state
    await keys.set({ session: { 'a.0': { v: 'cached' } as unknown as Uint8Array } })
    failWrites = true
    await assert.rejects(async () => keys.set({ session: { 'a.0': { v: 'attempted' } as unknown as Uint8Array } }), /disk full/)
    await repository.writeKeys('dev1', [{ type: 'session', id: 'a.0', value: JSON.stringify({ v: 'database' }) }])
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { v: 'database' } })
    // The read above is cached again.
    assert.deepEqual(cache.get('dev1', 'session', 'a.0'), { value: { v: 'database' } })
  })

  it('reports each failed key read or write, with when it started, before Baileys sees it', async () => {
    const { repository } = await setup()
    let failing = false
    const unavailable = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const flaky: typeof repository = {
      ...repository,
      readKeys: async (...args) => {
        if (failing) throw unavailable()
        return repository.readKeys(...args)
      },
      writeKeys: async (...args) => {
        if (failing) throw unavailable()
        await repository.writeKeys(...args)
      },
    }
    const reported: Array<{ message: string; startedAt: number }> = []
    const onKeyStoreFailure = (error: unknown, startedAt: number): void => void reported.push({ message: (error as Error).message, startedAt })
    const { keys } = (await databaseAuthState(flaky, 'dev1', { onKeyStoreFailure })).state
    const write = async (v: number): Promise<void> => {
      await keys.set({ session: { 'a.0': { v } as unknown as Uint8Array } })
    }
    await write(1)
    assert.deepEqual({ ...(await keys.get('session', ['a.0'])) }, { 'a.0': { v: 1 } })
    assert.equal(reported.length, 0, 'nothing to report while the database answers')
    failing = true
    const before = performance.now()
    await assert.rejects(async () => keys.get('session', ['a.0']), /ECONNREFUSED/)
    await assert.rejects(write(2), /ECONNREFUSED/)
    assert.deepEqual(reported.map(({ message }) => message), ['connect ECONNREFUSED', 'connect ECONNREFUSED'])
    assert.ok(reported.every(({ startedAt }) => startedAt >= before && startedAt <= performance.now()), 'when each started')
  })

  it('stores libsignal session records as plain JSON that reads back identically from the database', async () => {
    const { repository } = await setup()
    const cache = new KeyCache(1024 * 1024)
    const { keys } = (await databaseAuthState(repository, 'dev1', { cache })).state
    const record = { _sessions: { BfQ: { registrationId: 7, currentRatchet: { rootKey: 'AAEC', previousCounter: 0 } } }, version: 'v1' }
    await keys.set({ session: { 'u.0': record as unknown as Uint8Array } })
    cache.dropDevice('dev1')
    // Its sessions come back as a dictionary (keyed-dictionaries.ts): the same JSON, no prototype.
    assert.equal(JSON.stringify((await keys.get('session', ['u.0']))['u.0']), JSON.stringify(record))
    assert.equal((await repository.readKeys('dev1', 'session', ['u.0'])).get('u.0'), JSON.stringify(record))
  })

  it('does not cache one-time pre-keys and keeps sessions of different devices apart', async () => {
    const { repository } = await setup()
    const cache = new KeyCache(1024 * 1024)
    const one = (await databaseAuthState(repository, 'dev1', { cache })).state.keys
    const two = (await databaseAuthState(repository, 'dev2', { cache })).state.keys
    await one.set({ 'pre-key': { '1': { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) } }, session: { s: { v: 1 } as unknown as Uint8Array } })
    await repository.writeKeys('dev1', [{ type: 'pre-key', id: '1', value: null }])
    assert.deepEqual({ ...(await one.get('pre-key', ['1'])) }, {})
    assert.deepEqual({ ...(await two.get('session', ['s'])) }, {})
  })

  it('stays within its memory bound', async () => {
    const { repository } = await setup()
    const cache = new KeyCache(4096)
    const { keys } = (await databaseAuthState(repository, 'dev1', { cache })).state
    for (let i = 0; i < 100; i++) await keys.set({ session: { [`c${i}`]: { blob: 'x'.repeat(500) } as unknown as Uint8Array } })
    await repository.writeKeys('dev1', [{ type: 'session', id: 'c0', value: JSON.stringify({ blob: 'from the database' }) }])
    assert.deepEqual({ ...(await keys.get('session', ['c0'])) }, { c0: { blob: 'from the database' } }, 'the oldest entry should have been evicted')
    assert.deepEqual({ ...(await keys.get('session', ['c99'])) }, { c99: { blob: 'x'.repeat(500) } })
  })
})

describe('SQLite key writes through the group commit', () => {
  async function shared() {
    const dir = tempDir()
    const db = openDatabase(dir)
    const groupCommit = new GroupCommit(db)
    const repository = createSqliteAuthStateRepository(db, groupCommit)
    const sessions = createSqliteSessionRepository(db)
    await sessions.create('dev1', 'running')
    const observer = openDatabase(dir)
    const committed = (id: string): string | undefined =>
      observer.prepare<[string], { value: string }>("SELECT value FROM auth_keys WHERE device_id = 'dev1' AND type = 'session' AND key_id = ?").get(id)?.value
    // Another table's write, as a received message's row would be.
    db.exec('CREATE TABLE rows (name TEXT NOT NULL UNIQUE)')
    const insertRow = db.prepare<[string]>('INSERT INTO rows (name) VALUES (?)')
    const rows = (): string[] => observer.prepare<[], { name: string }>('SELECT name FROM rows').all().map((row) => row.name)
    return { db, repository, committed, rows, row: (name: string) => groupCommit.run(() => insertRow.run(name).changes) }
  }
  const session = (id: string, value: string | null) => [{ type: 'session', id, value }] as const

  it('commits a key write at once, carrying along the writes pending in the group commit', async () => {
    const { repository, committed, rows, row } = await shared()
    const pending = row('before')
    const write = repository.writeKeys('dev1', session('a.0', 'new'))
    // Before any turn of the loop: the key and the pending row are committed, in one transaction.
    assert.equal(committed('a.0'), 'new')
    assert.deepEqual(rows(), ['before'])
    await write
    assert.equal(await pending, 1)
  })

  it('throws a key write that failed, and commits what it carried along', async () => {
    const { db, repository, committed, rows, row } = await shared()
    await repository.writeKeys('dev1', session('a.0', 'stored'))
    db.exec(`CREATE TRIGGER fail_on_poison BEFORE UPDATE ON auth_keys WHEN NEW.value = 'poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned write'); END`)
    const pending = row('carried')
    await assert.rejects(repository.writeKeys('dev1', session('a.0', 'poison')), /poisoned write/)
    assert.equal(committed('a.0'), 'stored')
    assert.deepEqual(rows(), ['carried'])
    assert.equal(await pending, 1)
  })
})
