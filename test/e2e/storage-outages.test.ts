import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
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
    const server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: mount, SEND_TIMEOUT_MS })
    after(async () => {
      await server.stop()
      execFileSync('umount', [mount])
      rmSync(mount, { recursive: true, force: true })
    })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    const client = admin.withKey(await createPairedSession(admin, sim, 'disk', '15550007001'))
    const send = (message: string) => client.post('/api/messages/send', { deviceId: 'disk', number: CONTACT, message })
    assert.equal((await send('before the disk filled')).status, 200)

    const filler = join(mount, 'filler')
    fillToTheLastByte(filler)
    // The WAL reuses the room it has, so a few writes may still land; the first that cannot must say why.
    let refused
    for (let i = 0; i < 500 && !refused; i++) {
      const response = await send(`on a full disk ${i} ${'x'.repeat(2000)}`)
      if (response.status !== 200) refused = response
    }
    assert.ok(refused, 'every send succeeded on a full disk')
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
