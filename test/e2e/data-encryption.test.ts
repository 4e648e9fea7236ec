import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'encryption-admin-key-0123456789abcdef'
const PHONE = '15550005511'
const CONTACT = '15559995511'
const WEBHOOK_SECRET = 'webhook-secret-that-must-not-be-readable'
const PROXY_PASSWORD = 'proxy-password-that-must-not-be-readable'
const KEY_1 = randomBytes(32).toString('base64')
const KEY_2 = randomBytes(32).toString('base64')

/** Runs `npm run secrets -- <command>` as an operator would, with the server stopped. */
async function secrets(command: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/secrets.ts', command], {
    env: { ...process.env, DATA_ENCRYPTION_KEY: '', NEW_DATA_ENCRYPTION_KEY: '', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}

describe('secrets at rest: DATA_ENCRYPTION_KEY, and encrypting, rotating and decrypting a database', async () => {
  const sim = await startSim()
  const dataDir = tempDir()
  const env = { ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: dataDir, ALLOW_PRIVATE_URLS: 'true' }
  let server: ServerProcess | undefined
  after(() => server?.stop())

  const start = async (key: string | undefined) => {
    server = await startServerProcess({ ...env, ...(key ? { DATA_ENCRYPTION_KEY: key } : {}) })
    return new ApiClient(server.baseUrl, ADMIN_KEY)
  }
  /** Connected again without a QR (the credentials opened) and able to send (the Signal keys opened). */
  const comesBackAndSends = async (admin: ApiClient, text: string) => {
    await waitFor(async () => (await admin.state('desk')) === 'connected', { what: 'desk connected without a QR' })
    const sent = await admin.post('/api/messages/send', { deviceId: 'desk', number: CONTACT, message: text })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    await sim.waitForMessage((m) => m.id === sent.body.messageId && m.text === text)
  }
  const databaseBytes = () => Buffer.concat(readdirSync(dataDir).map((file) => readFileSync(join(dataDir, file))))
  const refusedStart = async (key: string | undefined, reason: RegExp) =>
    assert.rejects(startServerProcess({ ...env, ...(key ? { DATA_ENCRYPTION_KEY: key } : {}) }), reason)

  it('encrypts a database in use: the secrets are sealed in the file and the session carries on', async () => {
    const admin = await start(undefined)
    await createPairedSession(admin, sim, 'desk', PHONE)
    assert.equal((await admin.post('/api/sessions/desk/webhooks', { url: 'http://127.0.0.1:9/hook', secret: WEBHOOK_SECRET })).status, 201)
    assert.equal((await admin.put('/api/sessions/desk/settings', { rejectCalls: true })).status, 200)
    await server!.stop()
    assert.ok(databaseBytes().includes(WEBHOOK_SECRET), 'plain before encrypting')

    const encrypted = await secrets('encrypt', { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY_1 })
    assert.equal(encrypted.code, 0, encrypted.output)
    assert.match(encrypted.output, /auth_creds\s+1\n/)
    assert.equal((await secrets('encrypt', { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY_1 })).code, 1, 'not twice')

    const db = new Database(join(dataDir, 'whatsapp-api.db'), { readonly: true })
    const values = [
      ...db.prepare('SELECT creds AS v FROM auth_creds').all(),
      ...db.prepare('SELECT value AS v FROM auth_keys').all(),
      ...db.prepare('SELECT secret AS v FROM webhooks').all(),
    ] as Array<{ v: string }>
    db.close()
    assert.ok(values.length > 10)
    assert.ok(values.every(({ v }) => v.startsWith('enc:v1:')), 'every credential, key and webhook secret is sealed')
    assert.equal(databaseBytes().includes(WEBHOOK_SECRET), false, 'no plain copy left in the file or its WAL')

    const admin2 = await start(KEY_1)
    await comesBackAndSends(admin2, 'after encrypting')
    const proxied = await admin2.put('/api/sessions/desk/settings', { proxy: `socks5://user:${PROXY_PASSWORD}@127.0.0.1:9` })
    assert.equal(proxied.status, 200)
    assert.equal((await admin2.put('/api/sessions/desk/settings', { proxy: null })).status, 200)
    const hook = await admin2.post('/api/sessions/desk/webhooks', { url: 'http://127.0.0.1:9/other', secret: `${WEBHOOK_SECRET}-2` })
    assert.equal(hook.status, 201)
    await server!.stop()
    assert.equal(databaseBytes().includes(`${WEBHOOK_SECRET}-2`), false, 'new secrets are sealed as they are written')
  })

  it('refuses to start with another key or none, saying so', async () => {
    await refusedStart(KEY_2, /exited with 1[\s\S]*DATA_ENCRYPTION_KEY is not the key this database is encrypted with/)
    await refusedStart(undefined, /exited with 1[\s\S]*This database is encrypted: set DATA_ENCRYPTION_KEY/)
    await refusedStart('not-base64-32-bytes', /exited with 1[\s\S]*DATA_ENCRYPTION_KEY=.*\(hidden\)/)
  })

  it('rotates to a new key, then decrypts, the session carrying on each time', async () => {
    const wrong = await secrets('rotate', { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY_2, NEW_DATA_ENCRYPTION_KEY: KEY_1 })
    assert.equal(wrong.code, 1)
    assert.match(wrong.output, /not the key this database is encrypted with/)
    const rotated = await secrets('rotate', { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY_1, NEW_DATA_ENCRYPTION_KEY: KEY_2 })
    assert.equal(rotated.code, 0, rotated.output)
    await refusedStart(KEY_1, /not the key this database is encrypted with/)
    await comesBackAndSends(await start(KEY_2), 'after rotating')
    await server!.stop()

    const decrypted = await secrets('decrypt', { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY_2 })
    assert.equal(decrypted.code, 0, decrypted.output)
    await refusedStart(KEY_2, /holds unencrypted secrets/)
    await comesBackAndSends(await start(undefined), 'after decrypting')
  })
})
