import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { createSqliteDeliveryRepository } from '../../src/store/sqlite/delivery-repository.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { deleteOldestFirst } from '../../src/store/sqlite/oldest-first-delete.js'
import { tempDir } from '../support/temp-dir.js'

describe('query plans', () => {
  it('finds queued and interrupted messages through an index, not a table scan', () => {
    const db = openDatabase(tempDir())
    for (const sql of [
      "SELECT id FROM messages WHERE device_id = 'a' AND status = 'queued' ORDER BY seq LIMIT 1",
      "SELECT id FROM messages WHERE device_id = 'a' AND status = 'sending'",
      "SELECT DISTINCT device_id FROM messages WHERE status = 'queued'",
      "SELECT id FROM messages WHERE status = 'sending'",
      "UPDATE messages SET status = 'queued' WHERE status = 'sending'",
      "UPDATE messages SET status = 'queued' WHERE device_id = 'a' AND status = 'sending'",
    ]) {
      const plan = planOf(db, sql)
      assert.doesNotMatch(plan, /SCAN messages(?! USING)/, `${sql}: ${plan}`)
      // The queue is read in order straight off the index.
      assert.doesNotMatch(plan, /TEMP B-TREE/, `${sql}: ${plan}`)
    }
  })

  it('lists pending and failed deliveries through their partial indexes, and drops a webhook\'s pending ones through the lanes\'', () => {
    const db = openDatabase(tempDir())
    const asked = statementsPreparedBy(db, () => createSqliteDeliveryRepository(db, new GroupCommit(db)))
    const listings = asked.filter((sql) => /WHERE status = '(pending|failed)'.* ORDER BY seq DESC/.test(sql))
    assert.equal(listings.length, 4, asked.join('\n'))
    for (const sql of listings) {
      const plan = planOf(db, sql)
      // a table scan would read every delivered row when fewer are pending or failed than asked
      assert.match(plan, /USING INDEX deliveries_(lane|failed)/, `${sql}: ${plan}`)
    }
    const dropPending = asked.find((sql) => sql.startsWith('DELETE') && sql.includes(`status = 'pending'`))!
    assert.match(planOf(db, dropPending), /USING INDEX deliveries_lane \(webhook_id=\?\)/)
  })

  it('sweeps retention by rowid ranges, with no index of ages', () => {
    const db = openDatabase(tempDir())
    const asked = statementsPreparedBy(db, () => {
      deleteOldestFirst(db, 'inbound_messages')
      deleteOldestFirst(db, 'webhook_deliveries', `status = 'delivered' AND updated_at < ?`)
    })
    const walks = asked.filter((sql) => sql.includes('seq > ?'))
    assert.equal(walks.length, 4)
    for (const sql of walks) {
      const plan = planOf(db, sql)
      assert.match(plan, /^SEARCH \w+ USING INTEGER PRIMARY KEY \(rowid>\?( AND rowid<\?)?\)$/, `${sql}: ${plan}`)
    }
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('inbound_messages', 'webhook_deliveries') AND sql LIKE '%created_at%'`).all()
    assert.deepEqual(indexes, [])
  })
})

/** The SQL of every statement `build` prepares on `db`. */
function statementsPreparedBy(db: ReturnType<typeof openDatabase>, build: () => unknown): string[] {
  const asked: string[] = []
  const prepare = db.prepare.bind(db)
  db.prepare = ((sql: string) => (asked.push(sql), prepare(sql))) as typeof db.prepare
  try {
    build()
  } finally {
    db.prepare = prepare
  }
  return asked
}

function planOf(db: ReturnType<typeof openDatabase>, sql: string): string {
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
  const parameters = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 0)
  return (statement.all(...parameters) as Array<{ detail: string }>).map((row) => row.detail).join('; ')
}
