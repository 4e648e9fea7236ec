import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { startServerProcess } from '../support/server-process.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ADMIN_KEY = 'faults-readonly-admin-key-0123456789'
const asRoot = process.getuid?.() === 0

/** Runs the server to its exit; answers the exit code and everything it printed. */
async function startToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code] = await once(child, 'exit')
  return { code: code as number | null, output }
}

describe('faults: a DATA_DIR the server cannot write', () => {
  it('refuses to start on a read-only mount with one clear line, and starts once it is writable', { skip: !asRoot && 'mounting needs root' }, async () => {
    const mount = mkdtempSync(join(tmpdir(), 'wa-readonly-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=4m', 'tmpfs', mount])
    try {
      const refused = await startToExit({ DATA_DIR: mount })
      assert.equal(refused.code, 1)
      assert.equal(refused.output, `Invalid configuration: DATA_DIR=${JSON.stringify(mount)} is not allowed; expected a directory this process can write, its database file readable and writable (EROFS)\n`)

      execFileSync('mount', ['-o', 'remount,rw', mount])
      const server = await startServerProcess({ DATA_DIR: mount, ADMIN_API_KEY: ADMIN_KEY })
      try {
        assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200)
      } finally {
        await server.stop()
      }
    } finally {
      execFileSync('umount', [mount])
      rmSync(mount, { recursive: true, force: true })
    }
  })
})
