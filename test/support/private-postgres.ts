import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

/** Debian's PostgreSQL binaries (initdb, pg_ctl), whichever major version is installed. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql'
  const version = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined
  if (!version) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql')
  return join(root, version, 'bin')
}

export interface PrivatePostgres {
  url: string
  /** Whether the server is up (its pid file is there). */
  running(): boolean
  start(): void
  /** Stops the server at once, as a crash or an operator would: open connections are cut. */
  stop(): void
  /** Stops it if it runs and removes its files. */
  destroy(): void
}

/**
 * A PostgreSQL server of the test's own, on a free port with trust authentication, run as the
 * `postgres` user with Debian's initdb and pg_ctl. Tests that stop the database use this, never
 * the machine's shared server, which other tests use at the same time.
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'wa-pg-'))
  chmodSync(dir, 0o755)
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
  chownSync(dir, uid, gid)
  const data = join(dir, 'data')
  const asPostgres = (command: string, args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { stdio: 'ignore' })
  }
  asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const running = (): boolean => existsSync(join(data, 'postmaster.pid'))
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    running,
    start: () => asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    destroy: () => {
      if (running()) server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  server.start()
  return server
}
