import { everySendVerified, p99Text, ratios, ratioText, type PairedRun } from './goals.js'
import { fixed, goalsSection, heading, kb, mb, table } from './markdown.js'
import type { Goal } from './report.js'
import type { ScaleResult } from './scale.js'
import { median, type Latency } from './stats.js'

/** What --only-scale writes (scale-report.json and .md). */
export interface ScaleReport {
  startedAt: string
  environment: Record<string, string | number | boolean>
  scale: ScaleResult
  goals: Goal[]
}

const MB = 1024 * 1024

export function scaleGoals(scale: ScaleResult): Goal[] {
  const { restart } = scale
  return [
    {
      goal: `RSS per connected session above the idle process (${scale.sessions.toLocaleString('en-US')} sessions)`,
      target: '<= 0.25 MB',
      measured: `${fixed(scale.rssPerSessionBytes / MB, 3)} MB (after the restart ${fixed((scale.memoryAfterRestart.rssBytes - scale.idleProcess.rssBytes) / scale.sessions / MB, 3)} MB)`,
      pass: scale.rssPerSessionBytes <= 0.25 * MB,
    },
    {
      goal: 'Restart: every session able to send',
      target: '<= 120 s',
      measured: `${fixed(restart.allSentMs / 1000, 1)} s`,
      pass: restart.allSentMs <= 120_000,
    },
    {
      goal: 'Restart: longest event-loop stall (p99 of the 250 ms samples beside it)',
      target: '<= 100 ms',
      measured: `${fixed(restart.lag.maxMs, 0)} ms (p99 ${fixed(restart.lag.p99Ms, 0)} ms)`,
      pass: restart.lag.maxMs <= 100,
    },
    {
      goal: 'Restart: p99 of GET /api/sessions/:deviceId while the sessions come back',
      target: '< 50 ms',
      measured: `${fixed(restart.detail.p99Ms, 1)} ms (${restart.detail.calls} calls)`,
      pass: restart.detail.p99Ms < 50,
    },
    {
      goal: 'Idle with every session connected',
      target: '<= 10% of one core',
      measured: `${fixed(scale.idleCpu.cores * 100, 1)}%`,
      pass: scale.idleCpu.cores <= 0.1,
    },
    ...sendGoals(scale),
    ...pairingGoals(scale),
  ]
}

function sendGoals(scale: ScaleResult): Goal[] {
  const runs = scale.sends.filter((run): run is PairedRun => run.bare !== null)
  if (runs.length === 0) return []
  const through = `${runs[0]!.connections} clients taking turns through ${runs[0]!.senders} of ${scale.sessions.toLocaleString('en-US')} sessions`
  const p99Ratio = median(runs.map((run) => run.latencyP99Ms / (run.bare.latencyP99Ms ?? Number.NaN)))
  return [
    { goal: `Server CPU per sent message vs bare Baileys (sync, ${through})`, target: '<= 1.1×', measured: ratioText(runs), pass: median(ratios(runs)) <= 1.1 },
    { goal: `Sync send p99 vs bare Baileys' p99 with 10 in flight (${through})`, target: '<= 1.2×', measured: `${fixed(p99Ratio, 2)}×: ${p99Text(runs)}`, pass: p99Ratio <= 1.2 },
    everySendVerified(scale.sends),
  ]
}

/** Today's pairing rate on this machine (8 at a time), less a tenth for the machine's drift. */
const PAIRINGS_PER_S = 6 * 0.9

function pairingGoals(scale: ScaleResult): Goal[] {
  const { result, background } = scale.pairing
  return [
    {
      goal: `Pairing while ${scale.sessions.toLocaleString('en-US')} are connected`,
      target: `>= ${fixed(PAIRINGS_PER_S, 1)}/s (today's 6/s)`,
      measured: `${fixed(result.perSecond, 1)}/s (${result.count} sessions)`,
      pass: result.perSecond >= PAIRINGS_PER_S,
    },
    {
      goal: 'The connected sessions keep sending while others pair',
      target: 'every send acknowledged',
      measured: `${background.sent} sent, ${background.failed} failed, p99 ${fixed(background.latency.p99Ms, 0)} ms`,
      pass: background.failed === 0 && background.sent > 0,
    },
  ]
}

const latencyRow = (what: string, latency: Latency): string[] => [what, String(latency.calls), fixed(latency.p50Ms, 1), fixed(latency.p99Ms, 1), fixed(latency.maxMs, 1)]

export function scaleSection(scale: ScaleResult): string {
  const { restart, listing } = scale
  return `## ${scale.sessions.toLocaleString('en-US')} sessions on one server

Seeded straight into the server's SQLite file (each device provisioned at the simulator) in ${fixed(scale.seedS, 0)} s. Each device already holds ${scale.preKeysPerSession} uploaded pre-keys, as one paired earlier does, so no login uploads 812. The first start, caches cold: all connected after ${fixed(scale.firstStart.allConnectedS, 0)} s (${fixed(scale.firstStart.serverCpuS, 0)} s of server CPU). Then a first send through every session, each building its Signal sessions with the recipient and its own phone: ${fixed(scale.firstSends.allSentS, 1)} s (${fixed(scale.firstSends.serverCpuS, 0)} s of server CPU); the restart restores those sessions, as it would for sessions in use.

${table(
    ['Measure', 'Value'],
    [
      ['Idle process RSS (no sessions)', `${mb(scale.idleProcess.rssBytes)} MB`],
      [`RSS with every session connected${scale.memory.settled ? '' : ' (not settled)'}`, `${mb(scale.memory.rssBytes)} MB, heap ${mb(scale.memory.heapUsedBytes)} MB`],
      ['**RSS per session** above the idle process', `**${kb(scale.rssPerSessionBytes)} KB**`],
      [`Idle CPU over ${scale.idleCpu.seconds} s`, `${fixed(scale.idleCpu.cores * 100, 1)}% of one core`],
      ['Restart: SIGTERM until exited', `${fixed(restart.shutdownMs / 1000, 1)} s`],
      ['Restart: spawn until healthy', `${fixed(restart.healthyMs / 1000, 1)} s`],
      ['Restart: until every session seen connected', `${fixed(restart.allConnectedMs / 1000, 1)} s`],
      ['**Restart: until every session has sent**', `**${fixed(restart.allSentMs / 1000, 1)} s** (${fixed(restart.serverCpuS, 0)} s of server CPU)`],
      ['Restart: event-loop lag, max / p99 of 250 ms samples', `${fixed(restart.lag.maxMs, 0)} / ${fixed(restart.lag.p99Ms, 0)} ms (${restart.lag.over100Ms} samples over 100 ms)`],
      [`RSS after the restart${scale.memoryAfterRestart.settled ? '' : ' (not settled)'}`, `${mb(scale.memoryAfterRestart.rssBytes)} MB`],
    ],
  )}

${table(
    ['Call', 'Calls', 'p50 ms', 'p99 ms', 'max ms'],
    [
      latencyRow(`GET /api/sessions (all ${scale.sessions.toLocaleString('en-US')}, ${mb(listing.allBytes)} MB)`, listing.all),
      latencyRow('GET /api/sessions?limit=100&cursor=… (a page from the middle)', listing.page),
      latencyRow('GET /api/sessions?limit=100&search=… (filtered)', listing.filtered),
      latencyRow('GET /api/sessions/:deviceId during the restart (every 50 ms)', restart.detail),
    ],
  )}

${sendsTable(scale)}

Pairing ${scale.pairing.result.count} new sessions through the API, ${fixed(scale.pairing.result.perSecond, 1)} per second (median ${fixed(scale.pairing.result.medianPairMs, 0)} ms each, ${fixed(scale.pairing.result.serverCpuPerPairingS * 1000, 0)} ms of server CPU per pairing), while ${scale.sessions.toLocaleString('en-US')} were connected and ${scale.pairing.inFlight} synchronous sends at a time went on through ${scale.pairing.senders} of them: ${scale.pairing.background.sent} sent, ${scale.pairing.background.failed} failed, p50 ${fixed(scale.pairing.background.latency.p50Ms, 0)} ms, p99 ${fixed(scale.pairing.background.latency.p99Ms, 0)} ms.`
}

function sendsTable(scale: ScaleResult): string {
  return table(
    ['Run', 'Sent/s', 'p50 ms', 'p99 ms', 'CPU ms/msg', 'Bare p99 ms', 'Bare CPU ms/msg', 'Verified'],
    scale.sends.map((run, index) => [
      `sync, ${run.connections} clients, ${run.senders} of ${run.connected.toLocaleString('en-US')} sessions (${index + 1})`,
      fixed(run.acceptedPerS, 0),
      fixed(run.latencyP50Ms, 0),
      fixed(run.latencyP99Ms, 0),
      fixed(run.serverCpuMsPerMessage, 2),
      fixed(run.bare?.latencyP99Ms ?? null, 1),
      fixed(run.bare?.cpuMsPer ?? null, 2),
      String(run.verified),
    ]),
  )
}

export function renderScaleReport(report: ScaleReport): string {
  return `${heading(report.startedAt, report.environment)}\n\n${scaleSection(report.scale)}\n\n${goalsSection(report.goals)}\n`
}
