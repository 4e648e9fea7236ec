import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startChild, type Child } from './children.js'
import { waitUntil } from './wait.js'

/** The WhatsApp Web version the simulator speaks; pinned so the server never looks one up. */
const WA_VERSION = '2.3000.1043857760'

export type ServerMode = 'built' | 'tsx'

/** Compiles src/ like `npm run build`, so the measured server runs plain JS without a loader. */
export function buildServer(root: string): void {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}

/** At LOG_LEVEL=warn the server does not print the port it picked for PORT=0: the bench picks it. */
export { freePort } from '../test/support/free-port.js'

export interface ServerConfig {
  root: string
  mode: ServerMode
  port: number
  dataDir: string
  adminKey: string
  simEnv: Record<string, string>
  restoreConcurrency: number
  /** More environment, e.g. DATABASE_URL and NODE_ID for a cluster node. */
  env?: Record<string, string>
}

/** Node's flags in `npm start` (README, "A process manager"): the bench runs the server as production does. */
function startFlags(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  return scripts.start.split(' ').filter((word) => word.startsWith('--'))
}

/** The API server as its own process, as it runs in production. */
export class ServerProcess {
  readonly baseUrl: string

  private constructor(
    readonly child: Child,
    config: ServerConfig,
    /** Milliseconds from spawn until /health answered. */
    readonly startupMs: number,
  ) {
    this.baseUrl = `http://127.0.0.1:${config.port}`
  }

  get pid(): number {
    return this.child.pid
  }

  static async start(config: ServerConfig): Promise<ServerProcess> {
    // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" profiles the server through a scenario; they come
    // after npm start's flags, so "--allocation-site-pretenuring" measures the server without one of them.
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []
    const entry = [...startFlags(config.root), ...nodeArgs, ...(config.mode === 'built' ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'])]
    const startedAt = performance.now()
    const child = startChild(entry, {
      cwd: config.root,
      env: {
        ...process.env,
        ...config.simEnv,
        PORT: String(config.port),
        HOST: '127.0.0.1',
        DATA_DIR: config.dataDir,
        ADMIN_API_KEY: config.adminKey,
        WHATSAPP_VERSION: WA_VERSION,
        LOG_LEVEL: 'warn',
        // The bench is the only client; the per-key limit would cap the throughput runs.
        RATE_LIMIT_PER_MINUTE: '10000000',
        RESTORE_CONCURRENCY: String(config.restoreConcurrency),
        // The webhook receiver listens on loopback.
        ALLOW_PRIVATE_URLS: 'true',
        ...config.env,
      },
    })
    let hasExited = false
    void child.exited().then(() => (hasExited = true))
    const outcome = await waitUntil(
      'server /health',
      async () => (hasExited ? 'exited' : (await fetch(`http://127.0.0.1:${config.port}/health`)).ok && 'healthy'),
      { timeoutMs: 60_000, intervalMs: 20 },
    )
    if (outcome === 'exited') throw new Error(`server exited during start-up:\n${child.output()}`)
    return new ServerProcess(child, config, performance.now() - startedAt)
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.child.stop(signal, 30_000)
  }
}
