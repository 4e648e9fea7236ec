import { fixed, goalsSection, heading, kb, mb, table } from './markdown.js'
import type { Goal } from './report.js'
import type { Latency, ScaleResult } from './scale.js'

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
  ]
}

const latencyRow = (what: string, latency: Latency): string[] => [what, String(latency.calls), fixed(latency.p50Ms, 1), fixed(latency.p99Ms, 1), fixed(latency.maxMs, 1)]

export function scaleSection(scale: ScaleResult): string {
  const { restart, listing } = scale
  return `## ${scale.sessions.toLocaleString('en-US')} sessions on one server

Seeded straight into the server's SQLite file (each device provisioned at the simulator) in ${fixed(scale.seedS, 0)} s. The first start logs every device in for the first time, and each uploads its 812 pre-keys: all connected after ${fixed(scale.firstStart.allConnectedS, 0)} s (${fixed(scale.firstStart.serverCpuS, 0)} s of server CPU).

${table(
    ['Measure', 'Value'],
    [
      ['Idle process RSS (no sessions)', `${mb(scale.idleProcess.rssBytes)} MB`],
      [`RSS with every session connected${scale.memory.settled ? '' : ' (not settled)'}`, `${mb(scale.memory.rssBytes)} MB, heap ${mb(scale.memory.heapUsedBytes)} MB`],
      ['**RSS per session** above the idle process', `**${kb(scale.rssPerSessionBytes)} KB**`],
      [`Idle CPU over ${scale.idleCpu.seconds} s`, `${fixed(scale.idleCpu.cores * 100, 1)}% of one core`],
      ['Restart: SIGTERM until exited', `${fixed(restart.shutdownMs / 1000, 1)} s`],
      ['Restart: spawn until healthy', `${fixed(restart.healthyMs / 1000, 1)} s`],
      ['Restart: until every session listed connected', `${fixed(restart.allConnectedMs / 1000, 1)} s`],
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
  )}`
}

export function renderScaleReport(report: ScaleReport): string {
  return `${heading(report.startedAt, report.environment)}\n\n${scaleSection(report.scale)}\n\n${goalsSection(report.goals)}\n`
}
