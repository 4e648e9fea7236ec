import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openDatabase } from '../../src/store/sqlite/database.js'
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
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join('; ')
      assert.doesNotMatch(plan, /SCAN messages(?! USING)/, `${sql}: ${plan}`)
      // The queue is read in order straight off the index.
      assert.doesNotMatch(plan, /TEMP B-TREE/, `${sql}: ${plan}`)
    }
  })
})
