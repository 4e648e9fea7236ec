import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { migrate, SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'

const MESSAGE = { recipient: 'r@s.whatsapp.net', type: 'text', content: '{}', media: null, status: 'queued' }

describe('SQLite migrations', () => {
  it('rebuilds messages with idempotency keys unique only where there is one, keeping every row and the seq high-water mark', async () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'whatsapp-api.db'))
    migrate(db, SCHEMA_VERSION - 1)
    db.prepare(`INSERT INTO sessions (device_id, desired_state, created_at, updated_at) VALUES ('dev', 'stopped', 1, 1)`).run()
    const insert = db.prepare(
      `INSERT INTO messages (seq, id, device_id, recipient, type, content, status, idempotency_key, wa_message, created_at, updated_at)
       VALUES (?, ?, 'dev', 'r@s.whatsapp.net', 'text', '{}', 'sent', ?, ?, 5, 6)`,
    )
    insert.run(1, 'm1', 'key-1', Buffer.from([1, 2, 3]))
    insert.run(2, 'm2', null, null)
    insert.run(3, 'm3', null, null)
    // The newest message went (its session's history trimmed, say): its seq must not come back.
    insert.run(9, 'm9', null, null)
    db.prepare(`DELETE FROM messages WHERE seq = 9`).run()
    db.close()

    const store = openSqliteStore(dir)
    try {
      for (const [id, seq] of [['m1', 1], ['m2', 2], ['m3', 3]] as const) {
        const record = await store.messages.get(id)
        assert.equal(record?.status, 'sent')
        assert.equal(record?.createdAt, 5)
        assert.equal((await store.messages.waMessage('dev', id))?.length, id === 'm1' ? 3 : undefined)
        assert.equal(seqOf(dir, id), seq)
      }
      const again = await store.messages.insertOrGetExisting({ ...MESSAGE, id: 'm-again', deviceId: 'dev', idempotencyKey: 'key-1' })
      assert.deepEqual([again.created, again.record.id], [false, 'm1'])
      const fresh = await store.messages.insertOrGetExisting({ ...MESSAGE, id: 'm-new', deviceId: 'dev', idempotencyKey: null })
      assert.equal(fresh.created, true)
      const seq = seqOf(dir, 'm-new')
      assert.ok(seq !== undefined && seq > 9, `seq ${seq} is above the old high-water mark`)
    } finally {
      await store.close()
    }

    const check = new Database(join(dir, 'whatsapp-api.db'), { readonly: true })
    const indexes = check.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'`).all() as Array<{ name: string; sql: string | null }>
    check.close()
    assert.deepEqual(indexes.map((index) => index.name).sort(), ['messages_by_chat', 'messages_idempotency', 'messages_queued', 'messages_sending', 'sqlite_autoindex_messages_1'])
    assert.match(indexes.find((index) => index.name === 'messages_idempotency')!.sql!, /WHERE idempotency_key IS NOT NULL$/)
  })
})

function seqOf(dir: string, id: string): number | undefined {
  const db = new Database(join(dir, 'whatsapp-api.db'), { readonly: true })
  try {
    return (db.prepare('SELECT seq FROM messages WHERE id = ?').get(id) as { seq: number } | undefined)?.seq
  } finally {
    db.close()
  }
}
