import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
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

/** The salts in a WAL file's header: they change each time the WAL starts over from its beginning. */
const walSalt = (file: string): string => readFileSync(file).subarray(16, 24).toString('hex')

describe('WAL checkpoints in a worker thread (SQLite store)', () => {
  it('copies the WAL into the database file off the event loop and lets it start over', async () => {
    const dir = tempDir()
    const dbFile = join(dir, 'whatsapp-api.db')
    const errors: string[] = []
    const store = openSqliteStore(dir, (message) => errors.push(message))
    let written = 0
    const writeRound = async (round: number): Promise<void> => {
      for (let i = 0; i < ROWS_PER_ROUND; i++) await store.settings.setIfAbsent(`r${round}-${i}`, VALUE)
      written += ROUND_BYTES
    }

    await writeRound(0)
    // Only a checkpoint moves committed pages into the database file itself.
    await waitFor(() => sizeOf(dbFile) >= written, { what: 'the first round checkpointed into the database file', timeoutMs: 10_000 })
    const firstRoundWal = sizeOf(`${dbFile}-wal`)
    // Below the backstop, the server's own connection never checkpointed: the worker did.
    assert.ok(firstRoundWal < BACKSTOP_WAL_PAGES * 4096, `first round left ${firstRoundWal} bytes of WAL`)

    // Once a checkpoint has taken in the whole WAL, the next write starts it over (new salts in its header).
    const salt = walSalt(`${dbFile}-wal`)
    let probes = 0
    await waitFor(async () => {
      await store.settings.setIfAbsent(`probe-${probes++}`, 'x')
      return walSalt(`${dbFile}-wal`) !== salt
    }, { what: 'the WAL to start over', timeoutMs: 10_000 })
    await writeRound(1)
    const secondRoundWal = sizeOf(`${dbFile}-wal`)
    assert.ok(secondRoundWal < 1.5 * firstRoundWal, `WAL ${secondRoundWal} bytes after two rounds, ${firstRoundWal} after one`)
    assert.deepEqual(errors, [])

    await store.close()
    const reopened = openSqliteStore(dir)
    assert.ok((await reopened.settings.get(`r1-${ROWS_PER_ROUND - 1}`)) === VALUE, 'the last row written is there after reopening')
    await reopened.close()
  })
})
