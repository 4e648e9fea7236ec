import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'

/** The database under test and a second connection to the same file, which sees only what is committed. */
function openPair() {
  const dir = tempDir()
  const db = openDatabase(dir, 'group.db')
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)')
  const observer = new Database(join(dir, 'group.db'), { readonly: true })
  const committed = (): string[] => observer.prepare<[], { name: string }>('SELECT name FROM items ORDER BY id').all().map((row) => row.name)
  const insert = db.prepare<[string]>('INSERT INTO items (name) VALUES (?)')
  const close = (): void => {
    observer.close()
    db.close()
  }
  return { db, committed, close, insert: (name: string) => Number(insert.run(name).lastInsertRowid) }
}

describe('group commit (SQLite)', () => {
  it('commits the writes asked for in one turn together, in order, and settles each after the commit', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const seenByOthers: string[][] = []
    const writes = ['a', 'b', 'c'].map((name) =>
      groupCommit.run(() => {
        seenByOthers.push(committed())
        return insert(name)
      }))
    assert.deepEqual(committed(), [], 'nothing is written before the turn ends')

    assert.deepEqual(await Promise.all(writes), [1, 2, 3])
    // One transaction: another connection saw none of the batch until its single commit.
    assert.deepEqual(seenByOthers, [[], [], []])
    assert.deepEqual(committed(), ['a', 'b', 'c'])
    close()
  })

  it('runs a write at once with what is pending, in one commit, and hands back its result or its error', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const seenByOthers: string[][] = []
    const pending = ['a', 'b'].map((name) => groupCommit.run(() => insert(name)))
    const id = groupCommit.runNow(() => {
      seenByOthers.push(committed())
      return insert('now')
    })
    assert.equal(id, 3, 'the pending writes ran first, in order')
    assert.deepEqual(seenByOthers, [[]], 'inside one transaction with them')
    assert.deepEqual(committed(), ['a', 'b', 'now'], 'committed before the turn ends')
    assert.deepEqual(await Promise.all(pending), [1, 2])

    // A write that throws is undone alone and throws to its caller; what was pending commits.
    const next = groupCommit.run(() => insert('c'))
    assert.throws(() => groupCommit.runNow(() => insert('a')), /UNIQUE constraint failed/)
    assert.equal(await next, 4)
    assert.deepEqual(committed(), ['a', 'b', 'now', 'c'])
    assert.equal(db.inTransaction, false)
    close()
  })

  it('rolls back a write that throws, alone, and commits the others', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const first = groupCommit.run(() => insert('a'))
    const failing = groupCommit.run(() => {
      insert('b')
      return insert('a') // the name is taken: the whole write, 'b' included, is undone
    })
    const last = groupCommit.run(() => insert('c'))

    await assert.rejects(failing, /UNIQUE constraint failed/)
    assert.equal(await first, 1)
    assert.equal(typeof (await last), 'number')
    assert.deepEqual(committed(), ['a', 'c'])
    close()
  })

  it('runs a write of one statement without a savepoint: a failing one is undone alone, in the same transaction', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const inTransaction: boolean[] = []
    const first = groupCommit.runAtomic(() => insert('a'))
    const failing = groupCommit.runAtomic(() => insert('a'))
    const last = groupCommit.runAtomic(() => {
      inTransaction.push(db.inTransaction)
      return insert('b')
    })

    await assert.rejects(failing, /UNIQUE constraint failed/)
    assert.equal(await first, 1)
    assert.equal(typeof (await last), 'number')
    assert.deepEqual(inTransaction, [true], 'the batch is still one open transaction after the failed statement')
    assert.deepEqual(committed(), ['a', 'b'])
    close()
  })

  it('runs a db.transaction write without a savepoint of its own: a failing one is undone whole, alone', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const pair = db.transaction((one: string, two: string) => [insert(one), insert(two)])
    const first = groupCommit.runAtomic(() => pair('a', 'b'))
    // Its first insert succeeds, its second fails: the nested transaction (a savepoint) undoes both.
    const failing = groupCommit.runAtomic(() => pair('c', 'a'))
    const last = groupCommit.runAtomic(() => pair('d', 'e'))

    await assert.rejects(failing, /UNIQUE constraint failed/)
    assert.deepEqual(await first, [1, 2])
    assert.equal((await last).length, 2)
    assert.deepEqual(committed(), ['a', 'b', 'd', 'e'])
    assert.equal(db.inTransaction, false)
    close()
  })

  it('rejects every write of a batch when the database cannot take it, and stores none', async () => {
    const { db, committed, close, insert } = openPair()
    db.pragma('busy_timeout = 0')
    const blocker = new Database(db.name)
    blocker.exec('BEGIN IMMEDIATE') // another writer holds the lock
    const groupCommit = new GroupCommit(db)
    const writes = ['a', 'b'].map((name) => groupCommit.run(() => insert(name)))

    const outcomes = await Promise.allSettled(writes)
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected'])
    blocker.exec('ROLLBACK')
    assert.deepEqual(committed(), [])
    assert.equal(db.inTransaction, false)
    blocker.close()
    close()
  })

  it('rejects a lone write whose commit fails, instead of handing back a row that was never stored', async () => {
    // A deferred foreign key is checked at COMMIT, as a full disk fails at COMMIT: in autocommit
    // mode get() on UPDATE ... RETURNING returned the row and the failed commit went unreported.
    const { db, committed, close, insert } = openPair()
    db.exec(`CREATE TABLE owners (id INTEGER PRIMARY KEY);
      CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners (id) DEFERRABLE INITIALLY DEFERRED, name TEXT)`)
    db.exec('INSERT INTO owners (id) VALUES (1); INSERT INTO pets (id, owner, name) VALUES (1, 1, \'rex\')')
    insert('a')
    const reassign = db.prepare<[number], { name: string }>('UPDATE pets SET owner = ? WHERE id = 1 RETURNING name')
    const groupCommit = new GroupCommit(db)
    await assert.rejects(groupCommit.run(() => reassign.get(99)), /FOREIGN KEY constraint failed/)
    assert.equal(db.prepare<[], { owner: number }>('SELECT owner FROM pets WHERE id = 1').get()?.owner, 1)
    assert.equal(db.inTransaction, false)
    assert.deepEqual(committed(), ['a'])
    close()
  })

  it('commits what is pending on flush(), before the turn ends', async () => {
    const { db, committed, close, insert } = openPair()
    const groupCommit = new GroupCommit(db)
    const write = groupCommit.run(() => insert('a'))
    groupCommit.flush()
    assert.deepEqual(committed(), ['a'])
    assert.equal(await write, 1)
    close()
  })

  it('lets the message store read its own writes before they are committed', async () => {
    const store = openSqliteStore(tempDir())
    await store.sessions.create('dev1', 'running')
    const message = { id: 'm1', deviceId: 'dev1', recipient: 'r@s.whatsapp.net', type: 'text', content: '{}', media: null, status: 'queued', idempotencyKey: null }
    const inserted = store.messages.insertOrGetExisting(message)
    assert.equal((await store.messages.get('m1'))?.status, 'queued')
    const sending = store.messages.markWritten('m1', new Uint8Array([1]))
    assert.deepEqual(await store.messages.waMessage('dev1', 'm1'), Buffer.from([1]))
    assert.equal((await inserted).created, true)
    assert.equal((await sending)?.status, 'sending')
    await store.close()
  })
})
