import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { BACKSTOP_WAL_PAGES } from '../../src/store/sqlite/wal-checkpointer.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const VALUE = 'x'.repeat(4000)
/** Rows per round: 4 MB of values, about 17 MB of WAL. */
const ROWS_PER_ROUND = 1000
const ROUND_BYTES = ROWS_PER_ROUND * VALUE.length

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

describe('WAL checkpoints in a worker thread (SQLite store)', () => {
  it('copies the WAL into the database file off the event loop and keeps the WAL from growing', async () => {
    const dir = tempDir()
    const dbFile = join(dir, 'whatsapp-api.db')
    const errors: string[] = []
    const store = openSqliteStore(dir, (message) => errors.push(message))
    let written = 0
    const writeRound = async (round: number): Promise<void> => {
      for (let i = 0; i < ROWS_PER_ROUND; i++) await store.settings.setIfAbsent(`r${round}-${i}`, VALUE)
      written += ROUND_BYTES
    }

    let firstRoundWal = 0
    for (let round = 0; round < 3; round++) {
      await writeRound(round)
      // Only a checkpoint moves committed pages into the database file itself.
      await waitFor(() => sizeOf(dbFile) >= written, { what: `round ${round} checkpointed into the database file`, timeoutMs: 10_000 })
      if (round === 0) firstRoundWal = sizeOf(`${dbFile}-wal`)
    }
    // Below the backstop, the server's own connection never checkpointed: the worker did.
    assert.ok(firstRoundWal < BACKSTOP_WAL_PAGES * 4096, `first round left ${firstRoundWal} bytes of WAL`)
    // Each round starts the WAL over once the last one is checkpointed; without that it would hold all three.
    const finalWal = sizeOf(`${dbFile}-wal`)
    assert.ok(finalWal < 2 * firstRoundWal, `WAL ${finalWal} bytes after three rounds, ${firstRoundWal} after one`)
    assert.deepEqual(errors, [])

    await store.close()
    const reopened = openSqliteStore(dir)
    assert.ok((await reopened.settings.get(`r2-${ROWS_PER_ROUND - 1}`)) === VALUE, 'the last row written is there after reopening')
    await reopened.close()
  })
})
