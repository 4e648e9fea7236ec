import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPool, inTransaction } from '../../src/store/postgres/pool.js'
import { databaseUrl } from './backends.js'

describe('postgres pool', () => {
  it('fails a transaction whose connection drops between two queries, instead of ending the process', async () => {
    const pool = createPool(databaseUrl, 1)
    const killer = createPool(databaseUrl, 1)
    try {
      await assert.rejects(inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        // Not events.once: it would listen for 'error' itself.
        const ended = new Promise((resolve) => client.once('end', resolve))
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
        // The drop is noticed while no query runs: the moment an unheard 'error' event used to crash.
        await ended
        await client.query('SELECT 1')
      }))
      // The pool replaced the broken connection.
      assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1)
    } finally {
      await pool.end()
      await killer.end()
    }
  })
})
