import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Api } from './api.js'
import { parseBenchArgs, type ClusterOptions } from './args.js'
import { runBare } from './bare.js'
import { measureCluster, type ClusterResult } from './cluster.js'
import { renderClusterReport, writeClusterReport, type ClusterReport } from './cluster-report.js'
import { clusterGoals, evaluateGoals, goalConnections, ratioText } from './goals.js'
import { measureGroupSends } from './groups.js'
import { measureInboundBesideBare } from './inbound.js'
import { measureTransports, type TransportsResult } from './transports.js'
import { measureWhatsAppOutage, type WhatsAppOutageResult } from './whatsapp-outage.js'
import { parseConfig } from '../src/config.js'
import { fixed, writeReportFiles } from './markdown.js'
import { settledMemory } from './memory.js'
import { pairSessions, type PairedSession } from './pairing.js'
import { renderMarkdown, writeReport, type LevelResult, type Report, type SealedPair } from './report.js'
import { measureRestart } from './restart.js'
import { measureScale } from './scale.js'
import { renderScaleReport, scaleGoals, type ScaleReport } from './scale-report.js'
import { measureSendsBesideBare, runSendLoad, sendersOf, warmUp, type SendRun, type SendTarget } from './send-load.js'
import { buildServer, freePort, ServerProcess, type ServerConfig } from './server-process.js'
import { SimProcess } from './sim-process.js'
import { soak } from './soak.js'
import { medianBy } from './stats.js'
import { WARM_UP_IN_FLIGHT, WARM_UP_SENDS } from './wait.js'

// npm run bench -- [--quick] [...]: see args.ts. Progress goes to stderr, the report to --out
// (report.json and .md; cluster-report.json and .md with --only-cluster).

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Who the sends go to: a contact, not a paired account. */
const RECIPIENT = '4915100000001'
/** Sessions with a webhook in the inbound measurement. */
const INBOUND_SESSIONS = 10
/** Sessions receiving the messages whose events go to the brokers. */
const TRANSPORT_SESSIONS = 10
/** Longest wait for RSS to settle before a memory sample. */
const SETTLE_MAX_S = 60

const log = (message: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)

const options = parseBenchArgs(process.argv.slice(2))
const startedAt = new Date()
const workDir = mkdtempSync(join(tmpdir(), 'wa-bench-'))
process.once('exit', () => rmSync(workDir, { recursive: true, force: true }))

if (options.server === 'built') {
  log('compiling src/ (tsc -p tsconfig.build.json)')
  buildServer(ROOT)
}
log(`starting the simulator${options.ackOnly ? ' (ackOnly)' : ''}`)
const sim = await SimProcess.start(ROOT, options.ackOnly)
const adminKey = randomBytes(24).toString('hex')
const baseEnvironment = {
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  server: options.server === 'built' ? 'dist/src/main.js' : 'src/main.ts via tsx',
  simulator: options.ackOnly ? 'ackOnly (acks without decrypting)' : 'decrypts and records every message',
}
const runCluster = (clusterOptions: ClusterOptions): Promise<ClusterResult> =>
  measureCluster({ root: ROOT, mode: options.server, sim, workDir, adminKey, restoreConcurrency: options.restoreConcurrency, log }, clusterOptions)

if (options.cluster?.only) {
  const cluster = await runCluster(options.cluster)
  const report: ClusterReport = { startedAt: startedAt.toISOString(), environment: baseEnvironment, cluster, goals: clusterGoals(cluster) }
  const written = writeClusterReport(options.outDir, report)
  await sim.stop()
  process.stdout.write(renderClusterReport(report))
  log(`wrote ${written.json} and ${written.markdown}`)
  process.exit(0)
}

const config: ServerConfig = {
  root: ROOT,
  mode: options.server,
  port: await freePort(),
  dataDir: join(workDir, 'data'),
  adminKey,
  simEnv: sim.serverEnv(workDir),
  restoreConcurrency: options.restoreConcurrency,
}
const pairedConnections = goalConnections(options.connections)

if (options.scale) {
  const scale = await measureScale(
    config,
    sim,
    RECIPIENT,
    {
      ...options.scale,
      pairConcurrency: options.pairConcurrency,
      sends: { repeats: options.sendRepeats, durationS: options.sendDurationS, bareMessages: options.bareMessages, root: ROOT },
    },
    log,
  )
  const report: ScaleReport = { startedAt: startedAt.toISOString(), environment: { ...baseEnvironment, restoreConcurrency: options.restoreConcurrency }, scale, goals: scaleGoals(scale) }
  const markdown = renderScaleReport(report)
  const written = writeReportFiles(options.outDir, 'scale-report', report, markdown)
  await sim.stop()
  process.stdout.write(markdown)
  log(`wrote ${written.json} and ${written.markdown}`)
  process.exit(0)
}

if (options.onlyInbound) {
  const server = await ServerProcess.start(config)
  const api = new Api(server.baseUrl, adminKey)
  const ids = Array.from({ length: INBOUND_SESSIONS }, (_, i) => `bench-${String(i).padStart(5, '0')}`)
  const { sessions } = await pairSessions(api, sim, server.pid, ids, options.pairConcurrency)
  // The work after a pairing (history, app state, pre-keys) must be over before CPU is measured; the
  // JIT's is, after the unmeasured texts the rounds begin with.
  await settledMemory(server.pid, api.baseUrl, SETTLE_MAX_S)
  const rounds = await measureInboundBesideBare(api, sim, server.pid, sessions, options.inboundMessages, options.inboundRepeats, ROOT, log)
  log(`median ${ratioText(rounds)}`)
  await server.stop()
  await sim.stop()
  process.exit(0)
}

/** The send runs, with bare Baileys beside each synchronous run at the goals' client count. */
const measureSends = (target: SendTarget, plan: Array<{ mode: SendRun['mode']; connections: number }>): Promise<SendRun[]> =>
  measureSendsBesideBare(target, plan, { repeats: options.sendRepeats, durationS: options.sendDurationS, bareConnections: pairedConnections, bareMessages: options.bareMessages, root: ROOT }, log)

/** One server process with one paired session, ready to send. */
async function oneSessionServer(name: string, env: Record<string, string> = {}): Promise<{ server: ServerProcess; target: SendTarget }> {
  const server = await ServerProcess.start({ ...config, port: await freePort(), dataDir: join(workDir, name), env })
  const api = new Api(server.baseUrl, adminKey)
  log(`pairing one session (${name})`)
  const { sessions: [only] } = await pairSessions(api, sim, server.pid, [`bench-${name}`], 1)
  return { server, target: { baseUrl: server.baseUrl, serverPid: server.pid, sim, connected: 1, senders: await sendersOf(api, [only!.deviceId]), recipient: RECIPIENT } }
}

// One session in a process of its own, as the seed's send figures were measured.
const send: SendRun[] = []
const one = await oneSessionServer('one-session')
// The server with sealed secrets (below) is paired now, so that the work following a pairing (history,
// app state) is long over on both by the time they are compared.
const sealed = pairedConnections === undefined ? undefined : await oneSessionServer('one-session-sealed', { DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') })
send.push(...(await measureSends(one.target, options.connections.flatMap((connections) => (['sync', 'queued'] as const).map((mode) => ({ mode, connections }))))))

// What sealing the stored secrets (DATA_ENCRYPTION_KEY) costs a send: a second server with them
// sealed, the two sending in turns, so each pair of runs meets the machine at the same speed.
const sealedSend: SealedPair[] = []
if (sealed && pairedConnections !== undefined) {
  await warmUp(sealed.target, WARM_UP_SENDS, WARM_UP_IN_FLIGHT)
  for (let repeat = 1; repeat <= options.sendRepeats; repeat++) {
    log(`sealed vs plain secrets: sync, ${pairedConnections} connections, ${options.sendDurationS} s each (${repeat}/${options.sendRepeats})`)
    const runOn = (target: SendTarget): Promise<SendRun> => runSendLoad(target, 'sync', pairedConnections, options.sendDurationS)
    // Each goes first every other time, so neither always meets the machine after the other's load.
    let plainRun: SendRun
    let sealedRun: SendRun
    if (repeat % 2 === 1) {
      plainRun = await runOn(one.target)
      sealedRun = await runOn(sealed.target)
    } else {
      sealedRun = await runOn(sealed.target)
      plainRun = await runOn(one.target)
    }
    log(`  ${sealedRun.serverCpuMsPerMessage.toFixed(2)} ms CPU/msg sealed, ${plainRun.serverCpuMsPerMessage.toFixed(2)} plain`)
    sealedSend.push({ plain: plainRun, sealed: sealedRun })
  }
  await sealed.server.stop()
}
await one.server.stop()

let server = await ServerProcess.start(config)
const api = new Api(server.baseUrl, config.adminKey)
log(`server up in ${server.startupMs.toFixed(0)} ms; waiting for idle memory to settle`)
const idle = await settledMemory(server.pid, api.baseUrl, SETTLE_MAX_S)

const sessions: PairedSession[] = []
const levels: LevelResult[] = []
for (const target of options.sessions) {
  const newIds = Array.from({ length: target - sessions.length }, (_, i) => `bench-${String(sessions.length + i).padStart(5, '0')}`)
  log(`pairing ${newIds.length} sessions (to ${target}), ${options.pairConcurrency} at a time`)
  const pairing = await pairSessions(api, sim, server.pid, newIds, options.pairConcurrency)
  sessions.push(...pairing.sessions)
  log(`paired in ${pairing.result.elapsedS.toFixed(1)} s; waiting for memory to settle`)
  const memory = await settledMemory(server.pid, api.baseUrl, SETTLE_MAX_S)
  log(`restarting with ${target} sessions`)
  const restart = await measureRestart(server, config, sessions.map((s) => s.deviceId), RECIPIENT)
  server = restart.server
  log(`all connected after ${(restart.result.allConnectedMs / 1000).toFixed(1)} s, all sent after ${(restart.result.allSentMs / 1000).toFixed(1)} s`)
  const memoryAfterRestart = await settledMemory(server.pid, api.baseUrl, SETTLE_MAX_S)
  levels.push({
    sessions: target,
    pairing: pairing.result,
    memory,
    rssPerSessionBytes: (memory.rssBytes - idle.rssBytes) / target,
    heapPerSessionBytes: (memory.heapUsedBytes - idle.heapUsedBytes) / target,
    restart: restart.result,
    memoryAfterRestart,
    rssPerSessionAfterRestartBytes: (memoryAfterRestart.rssBytes - idle.rssBytes) / target,
  })
}

// With every session connected: through one of them, then taking turns through --spread of them
// (with a single session, the one-session runs above already say it all).
if (pairedConnections !== undefined && sessions.length > 1) {
  const spread = await sendersOf(api, sessions.slice(0, options.spreadSessions).map((s) => s.deviceId))
  const base = { baseUrl: api.baseUrl, serverPid: server.pid, sim, connected: sessions.length, recipient: RECIPIENT }
  const plan = [{ mode: 'sync' as const, connections: pairedConnections }]
  send.push(...(await measureSends({ ...base, senders: spread.slice(0, 1) }, plan)))
  if (spread.length > 1) send.push(...(await measureSends({ ...base, senders: spread }, plan)))
}

log(`bare Baileys: ${options.barePairings} pairings`)
const bareSends = send.flatMap((run) => (run.bare ? [run.bare] : []))
const barePair = await runBare(ROOT, sim, { mode: 'pair', count: options.barePairings, window: 1, recipient: RECIPIENT })

const inbound = await measureInboundBesideBare(api, sim, server.pid, sessions.slice(0, INBOUND_SESSIONS), options.inboundMessages, options.inboundRepeats, ROOT, log)
const bare: Report['bare'] = {
  send: medianBy(bareSends, (run) => run.cpuMsPer),
  pair: barePair,
  receive: medianBy(inbound.map((round) => round.bare), (run) => run.cpuMsPer),
}

log(`group sends: ${options.groupMessages} to each of groups of ${options.groupSizes.join(', ')} members`)
const groups = await measureGroupSends(api, sim, server.pid, sessions[0]!, options.groupSizes, options.groupMessages)
for (const g of groups) log(`  ${g.members} members: first send ${fixed(g.firstSendMs, 0)} ms, ${fixed(g.serverCpuMsPerMessage, 2)} ms CPU/msg, ${g.metadataQueries} metadata queries`)

let soakResult: Report['soak'] = null
if (options.soakMinutes > 0) {
  log(`soak: ${options.soakMinutes} min at ${options.soakRate} msg/s`)
  soakResult = await soak(api, sim, server.pid, sessions, RECIPIENT, options.soakMinutes, options.soakRate)
}

await server.stop()
let whatsappOutage: WhatsAppOutageResult | null = null
if (options.outageSeconds > 0) {
  log(`WhatsApp unreachable for ${options.outageSeconds} s with ${sessions.length} sessions`)
  // What the server reads: its defaults, unless this environment sets them.
  const { baseDelayMs, maxDelayMs } = parseConfig(process.env).reconnect
  whatsappOutage = await measureWhatsAppOutage(config, sessions.map((s) => s.deviceId), RECIPIENT, options.outageSeconds, { baseDelayMs, maxDelayMs }, log)
  log(`  ${fixed(whatsappOutage.serverCores, 3)} cores during the outage, lag max ${fixed(whatsappOutage.lag.maxMs, 0)} ms; all sent ${fixed(whatsappOutage.recovery.allSentMs / 1000, 1)} s after it ended`)
}
let transports: TransportsResult | null = null
if (options.transportEvents > 0) {
  transports = await measureTransports(
    async (env) => ServerProcess.start({ ...config, port: await freePort(), dataDir: join(workDir, 'transports'), env }),
    adminKey, sim, TRANSPORT_SESSIONS, options.transportEvents, log,
  )
  log(`  live ${fixed(transports.live.perSecond, 0)} events/s; backlog ${transports.drain.map((d) => `${d.broker} ${fixed(d.perSecond, 0)}/s`).join(', ')}; verified: ${transports.verified}`)
}

let cluster: ClusterResult | null = null
if (options.cluster) {
  log('cluster scenario')
  cluster = await runCluster(options.cluster)
}

const partial: Omit<Report, 'goals'> = {
  startedAt: startedAt.toISOString(),
  environment: {
    ...baseEnvironment,
    sessions: options.sessions.join(','),
    sendDurationS: options.sendDurationS,
    connections: options.connections.join(','),
    sendRepeats: options.sendRepeats,
    restoreConcurrency: options.restoreConcurrency,
    soakMinutes: options.soakMinutes,
    outageSeconds: options.outageSeconds,
  },
  idle,
  levels,
  send,
  sealedSend,
  bare,
  inbound,
  transports,
  groups,
  soak: soakResult,
  whatsappOutage,
  cluster,
}
const report: Report = { ...partial, goals: evaluateGoals(partial) }
const written = writeReport(options.outDir, report)
await sim.stop()
process.stdout.write(renderMarkdown(report))
log(`wrote ${written.json} and ${written.markdown}`)
process.exit(0)
