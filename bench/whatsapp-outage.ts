import { startTcpProxy } from '../test/support/tcp-proxy.js'
import { Api } from './api.js'
import { sampleLag, type LagSummary } from './lag-sampler.js'
import { DISCONNECTS, metricSum, scrapeMetrics } from './metrics.js'
import { CpuMeter } from './proc.js'
import { untilEverySessionSends, type RecoveryTimes } from './restart.js'
import { freePort, ServerProcess, type ServerConfig } from './server-process.js'
import { sleep } from './wait.js'

export interface WhatsAppOutageResult {
  sessions: number
  outageS: number
  /** The reconnect settings the server ran with (its defaults). */
  reconnect: { baseDelayMs: number; maxDelayMs: number }
  /** Connection attempts the server made per second, over the whole outage. */
  attemptsPerS: number[]
  /** Server CPU over the outage, in cores (1 = one core busy). */
  serverCores: number
  /** The same over its second half, once the disconnections and the first quick retries are over. */
  steadyServerCores: number
  lag: LagSummary
  /** Sessions that ended `failed` instead of coming back. */
  failed: number
  /** From WhatsApp being reachable again. */
  recovery: RecoveryTimes & { serverCpuS: number; lag: LagSummary }
}

const SAMPLE_MS = 1000

/**
 * WhatsApp unreachable for minutes: the server restores every session through a TCP proxy in front
 * of the simulator, the proxy then refuses every connection for `outageS`, and comes back. Counts
 * the reconnect attempts per second (backoff with jitter spreads them; a herd would show as spikes),
 * the server's CPU and event-loop lag meanwhile, and how long until every session sends again.
 */
export async function measureWhatsAppOutage(
  config: ServerConfig,
  deviceIds: string[],
  recipient: string,
  outageS: number,
  reconnect: { baseDelayMs: number; maxDelayMs: number },
  log: (message: string) => void,
): Promise<WhatsAppOutageResult> {
  const simUrl = new URL(config.simEnv.WHATSAPP_URL!)
  const proxy = await startTcpProxy(Number(simUrl.port), simUrl.hostname)
  const proxied = new URL(simUrl)
  proxied.port = String(proxy.port)
  const server = await ServerProcess.start({ ...config, port: await freePort(), env: { ...config.env, WHATSAPP_URL: proxied.href } })
  const api = new Api(server.baseUrl, config.adminKey)
  try {
    await untilEverySessionSends(api, deviceIds, recipient, performance.now(), 120_000 + deviceIds.length * 200)
    log(`  ${deviceIds.length} sessions connected through the proxy; cutting WhatsApp off for ${outageS} s`)

    const cpu = new CpuMeter({ server: server.pid })
    const lag = sampleLag(server.baseUrl)
    // Refused connections never reach the proxy: the server counts each attempt that ended (the drops included).
    const attempts = async (): Promise<number> => metricSum(await scrapeMetrics(server.baseUrl), DISCONNECTS)
    let counted = await attempts()
    proxy.refuse()
    const attemptsPerS: number[] = []
    const cutAt = performance.now()
    const samples = Math.ceil((outageS * 1000) / SAMPLE_MS)
    let steady: CpuMeter | undefined
    while (attemptsPerS.length < samples) {
      await sleep(Math.max(0, cutAt + (attemptsPerS.length + 1) * SAMPLE_MS - performance.now()))
      const now = await attempts()
      attemptsPerS.push(now - counted)
      counted = now
      if (attemptsPerS.length === Math.floor(samples / 2)) steady = new CpuMeter({ server: server.pid })
    }
    // Nothing above throws short of the server dying, so the sampler stops here.
    const serverCores = cpu.stop().utilization.server!
    const steadyServerCores = steady?.stop().utilization.server ?? serverCores
    const outageLag = await lag.stop()
    const failed = (await api.sessions()).filter((session) => session.connectionState === 'failed').length

    log(`  WhatsApp reachable again; waiting for every session to send`)
    const recoveryCpu = new CpuMeter({ server: server.pid })
    const recoveryLag = sampleLag(server.baseUrl)
    const restoredAt = performance.now()
    proxy.restore()
    let times: RecoveryTimes
    let recoveredLag: LagSummary
    try {
      times = await untilEverySessionSends(api, deviceIds, recipient, restoredAt, reconnect.maxDelayMs + 120_000 + deviceIds.length * 200)
    } finally {
      recoveredLag = await recoveryLag.stop()
    }
    return {
      sessions: deviceIds.length,
      outageS,
      reconnect,
      attemptsPerS,
      serverCores,
      steadyServerCores,
      lag: outageLag,
      failed,
      recovery: { ...times, serverCpuS: recoveryCpu.stop().cpuS.server!, lag: recoveredLag },
    }
  } finally {
    await server.stop()
    await proxy.close()
  }
}
