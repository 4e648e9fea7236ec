import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { createPrivatePostgres } from '../support/private-postgres.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'outage-admin-key-0123456789abcdef'
const CONTACT = '15559990000'
// Long enough that the old behaviour (waiting for the status, then 504) cannot pass for a prompt answer.
const SEND_TIMEOUT_MS = '30000'
const asRoot = process.getuid?.() === 0

/** Writes a file until the filesystem refuses even one more byte. */
function fillToTheLastByte(file: string): void {
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(256 * 1024)
  let size = chunk.length
  for (;;) {
    try {
      writeSync(fd, chunk, 0, size)
    } catch {
      if (size === 1) break
      size = Math.max(1, size >> 1)
    }
  }
  closeSync(fd)
}

describe('storage outages: failed writes are reported as what they are, at once', async () => {
  const sim = await startSim()

  it('SQLite on a full disk: 507 naming the disk, never a 504 after the send timeout; sends work again once there is room', { skip: !asRoot && 'mounting a tmpfs needs root' }, async () => {
    const mount = mkdtempSync(join(tmpdir(), 'wa-tmpfs-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mount])
    const env = { ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: mount, SEND_TIMEOUT_MS }
    let server = await startServerProcess(env)
    after(async () => {
      await server.stop()
      execFileSync('umount', [mount])
      rmSync(mount, { recursive: true, force: true })
    })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    const apiKey = await createPairedSession(admin, sim, 'disk', '15550007001')
    let client = admin.withKey(apiKey)
    const send = (message: string) => client.post('/api/messages/send', { deviceId: 'disk', number: CONTACT, message })
    const before = await send('before the disk filled')
    assert.equal(before.status, 200)

    const filler = join(mount, 'filler')
    /** Fills the disk, then sends until one is refused (the WAL reuses the room it has, so a few may still land). */
    const sendUntilRefused = async (label: string) => {
      fillToTheLastByte(filler)
      for (let i = 0; i < 500; i++) {
        const response = await send(`${label} ${i} ${'x'.repeat(2000)}`)
        if (response.status !== 200) return response
      }
      assert.fail('every send succeeded on a full disk')
    }
    const refused = await sendUntilRefused('on a full disk')
    assert.equal(refused.status, 507, JSON.stringify(refused.body))
    assert.equal(refused.body.success, false)
    assert.match(refused.body.error, /disk is full/)
    assert.equal(refused.headers.get('retry-after'), '5')
    assert.equal(server.child.exitCode, null, 'the server is still running')

    unlinkSync(filler)
    const recovered = await waitFor(async () => {
      const response = await send('after the disk had room again')
      return response.status === 200 && response
    }, { what: 'a send once the disk has room' })
    assert.equal(recovered.body.status, 'sent')
    if (typeof refused.body.messageId === 'string') {
      assert.equal((await client.get(`/api/messages/${refused.body.messageId}`)).status, 200)
    }

    // Killed outright while the disk is full: nothing is half-written, the file is intact once there is room.
    const refusedAgain = await sendUntilRefused('before the kill')
    assert.equal(refusedAgain.status, 507, JSON.stringify(refusedAgain.body))
    await server.stop('SIGKILL')
    unlinkSync(filler)
    const database = new Database(join(mount, 'whatsapp-api.db'))
    try {
      assert.equal(database.pragma('integrity_check', { simple: true }), 'ok')
      const payloads = database.prepare('SELECT count(*) AS broken FROM messages WHERE json_valid(content) = 0').get() as { broken: number }
      assert.equal(payloads.broken, 0)
    } finally {
      database.close()
    }
    server = await startServerProcess(env)
    client = new ApiClient(server.baseUrl, apiKey)
    for (const id of [before.body.messageId, recovered.body.messageId]) {
      const read = await client.get(`/api/messages/${id}`)
      assert.deepEqual([read.status, read.body.status === 'sent' || read.body.status === 'delivered'], [200, true], JSON.stringify(read.body))
    }
    await waitFor(async () => (await send('after the restart')).status === 200, { timeoutMs: 30_000, what: 'a send after the restart' })
  })

  it('PostgreSQL stopped under a running node: 503 saying the database is unavailable; sends work again once it is back', async () => {
    const database = await createPrivatePostgres()
    const server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATABASE_URL: database.url, SEND_TIMEOUT_MS })
    after(async () => {
      await server.stop()
      database.destroy()
    })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    const client = admin.withKey(await createPairedSession(admin, sim, 'pg', '15550007002'))
    const send = (message: string) => client.post('/api/messages/send', { deviceId: 'pg', number: CONTACT, message })
    assert.equal((await send('before the database stopped')).status, 200)

    database.stop()
    const refused = await send('while the database is down')
    assert.equal(refused.status, 503, JSON.stringify(refused.body))
    assert.equal(refused.body.success, false)
    assert.match(refused.body.error, /database is unavailable/)
    assert.equal(refused.headers.get('retry-after'), '5')
    const listed = await admin.get('/api/sessions/pg/chats')
    assert.ok([200, 503].includes(listed.status), `listing answered ${listed.status}`)

    database.start()
    await waitFor(async () => (await send('after the database came back')).status === 200, { timeoutMs: 60_000, intervalMs: 500, what: 'a send once PostgreSQL is back' })
    assert.equal(server.child.exitCode, null, 'the server is still running')
  })
})
