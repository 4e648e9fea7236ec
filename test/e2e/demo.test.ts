import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { freePort } from '../support/free-port.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('npm run demo', () => {
  it('honours PORT and DATA_DIR like npm start', async () => {
    const port = await freePort()
    const dataDir = tempDir('wa-demo-')
    const demo = spawn('npm', ['run', 'demo'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_PHONE_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npm, the demo and the server it starts all stop together.
      detached: true,
    })
    let output = ''
    demo.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    demo.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const exited = once(demo, 'exit')
    after(async () => {
      if (demo.exitCode !== null || demo.signalCode !== null) return
      process.kill(-demo.pid!, 'SIGTERM')
      await exited
    })

    const health = await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health`)
      return response.ok && response
    }, { timeoutMs: 60_000, intervalMs: 250, what: `the demo server on port ${port}; output:\n${output}` })
    assert.equal(health.status, 200)
    const signIn = await fetch(`http://127.0.0.1:${port}/api/dashboard/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ adminKey: 'demo-admin-key-change-me' }),
    })
    assert.equal(signIn.status, 200)
    assert.ok(existsSync(join(dataDir, 'whatsapp-api.db')), 'the server keeps its database in DATA_DIR')
    assert.ok(existsSync(join(dataDir, 'sim-media-ca.pem')), 'the demo keeps its files in DATA_DIR')
    assert.match(output, new RegExp(`http://localhost:${port}`))
  })
})
