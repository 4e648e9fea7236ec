import type { BareResult } from './bare-baileys.js'
import type { ClusterResult } from './cluster.js'
import { clusterSection } from './cluster-report.js'
import type { GroupSendResult } from './groups.js'
import { INBOUND_CONCURRENCY, INBOUND_WARM_UP, RECEIVE_WARM_UP, type InboundRound } from './inbound.js'
import type { TransportsResult } from './transports.js'
import { fixed, goalsSection, heading, kb, mb, table, writeReportFiles, yesNo } from './markdown.js'
import type { MemorySample } from './memory.js'
import type { PairingResult } from './pairing.js'
import type { RestartResult } from './restart.js'
import type { SendRun } from './send-load.js'
import type { SoakResult } from './soak.js'
import type { WhatsAppOutageResult } from './whatsapp-outage.js'

export interface LevelResult {
  sessions: number
  /** Pairing the sessions this level added (the first level pairs all of its own). */
  pairing: PairingResult
  memory: MemorySample
  rssPerSessionBytes: number
  heapPerSessionBytes: number
  restart: RestartResult
  /** The same sessions restored into a fresh process: no pairing garbage, the steady state. */
  memoryAfterRestart: MemorySample
  rssPerSessionAfterRestartBytes: number
}

export interface Goal {
  goal: string
  target: string
  measured: string
  pass: boolean | null
}

/** A send run on a server with plain secrets and one right after on a server with them sealed. */
export interface SealedPair {
  plain: SendRun
  sealed: SendRun
}

export interface Report {
  startedAt: string
  environment: Record<string, string | number | boolean>
  idle: MemorySample
  levels: LevelResult[]
  send: SendRun[]
  /** One session's synchronous sends without and with DATA_ENCRYPTION_KEY, run in turns on two servers. */
  sealedSend: SealedPair[]
  /** `send`: of the bare send runs paired with the server's (`SendRun.bare`), the one with the median CPU per message. */
  /** `receive`: of the bare receive runs paired with the inbound rounds (`InboundRound.bare`), the one with the median CPU per message. */
  bare: { send: BareResult; pair: BareResult; receive: BareResult }
  inbound: InboundRound[]
  /** Events into RabbitMQ, NATS JetStream and Redis Streams, or null when skipped. */
  transports: TransportsResult | null
  /** Sends to groups of growing size through one session. */
  groups: GroupSendResult[]
  soak: SoakResult | null
  /** WhatsApp unreachable for minutes with every session connected, or null when skipped. */
  whatsappOutage: WhatsAppOutageResult | null
  /** Several nodes on PostgreSQL (--cluster), or null. */
  cluster: ClusterResult | null
  goals: Goal[]
}

export function renderMarkdown(report: Report): string {
  const bareCpu = report.bare.send.cpuMsPer
  const sections = [
    heading(report.startedAt, report.environment),
    goalsSection(report.goals),
    `## Memory and pairing\n\nIdle server: ${mb(report.idle.rssBytes)} MB RSS, ${mb(report.idle.heapUsedBytes)} MB heap used. Per session = (RSS with N connected, idle sessions - idle RSS) / N, right after pairing them and again after a restart restored them into a fresh process.\n\n${table(
      ['Sessions', 'Paired (new)', 'Pair time s', 'Pairings/s', 'Server CPU s/pairing', 'Sim CPU s/pairing', 'RSS MB', 'RSS/session MB', 'Heap MB', 'Heap/session KB', 'RSS after restart MB', 'RSS/session after restart MB', 'Settled'],
      report.levels.map((l) => [
        String(l.sessions),
        String(l.pairing.count),
        fixed(l.pairing.elapsedS),
        fixed(l.pairing.perSecond, 2),
        fixed(l.pairing.serverCpuPerPairingS, 3),
        fixed(l.pairing.simCpuPerPairingS, 3),
        mb(l.memory.rssBytes),
        fixed(l.rssPerSessionBytes / 1024 / 1024, 3),
        mb(l.memory.heapUsedBytes),
        kb(l.heapPerSessionBytes),
        mb(l.memoryAfterRestart.rssBytes),
        fixed(l.rssPerSessionAfterRestartBytes / 1024 / 1024, 3),
        yesNo(l.memory.settled && l.memoryAfterRestart.settled),
      ]),
    )}`,
    `## Restart (SIGTERM, start on the same data)\n\nTimes from spawn. "All sent": a synchronous send through every session acknowledged. Lag: max event-loop delay per /metrics scrape (every 250 ms); the first scrape covers start-up.\n\n${table(
      ['Sessions', 'Shutdown ms', 'Healthy ms', 'All connected s', 'All sent s', 'Max lag ms', 'Start-up lag ms', 'Scrapes > 100 ms', 'Server CPU s'],
      report.levels.map(({ restart: r }) => [
        String(r.sessions),
        fixed(r.shutdownMs, 0),
        fixed(r.healthyMs, 0),
        fixed(r.allConnectedMs / 1000, 2),
        fixed(r.allSentMs / 1000, 2),
        fixed(r.lag.maxMs, 0),
        fixed(r.lag.startupMaxMs, 0),
        `${r.lag.over100Ms}/${r.lag.samples}`,
        fixed(r.serverCpuS, 2),
      ]),
    )}`,
    `## Send throughput (POST /api/messages/send, autocannon)\n\nConnected: sessions connected in the server process (1: a process with only the sending session). Through: sessions the requests took turns through, each with its own API key. Queued: end-to-end = accepted / (first request until WhatsApp acked the last). Verified: the simulator received exactly what the server reported sent, and at least every accepted message. × bare: server CPU per message over that of bare Baileys' run right after it, or else over the median of those runs (${fixed(bareCpu, 2)} ms). Bare Baileys always sends through one socket, the engine's own cost (README: through many sockets, bare Baileys pays for per-socket overhead the server removes).\n\n${table(
      ['Connected', 'Through', 'Mode', 'Conns', 'Accepted', 'Non-2xx', 'Errors', 'Req/s', 'p50 ms', 'p99 ms', 'End-to-end msg/s', 'Server sent', 'Sim received', 'Verified', 'CPU ms/msg', '× bare', 'Server cores', 'Sim cores'],
      report.send.map((r) => [
        String(r.connected),
        String(r.senders),
        r.mode,
        String(r.connections),
        String(r.accepted),
        String(r.non2xx),
        String(r.errors),
        fixed(r.acceptedPerS, 0),
        fixed(r.latencyP50Ms, 0),
        fixed(r.latencyP99Ms, 0),
        fixed(r.endToEndPerS, 0),
        String(r.serverSent),
        r.simReceived === null ? 'n/a' : String(r.simReceived),
        yesNo(r.verified),
        fixed(r.serverCpuMsPerMessage, 2),
        fixed(r.serverCpuMsPerMessage / (r.bare ?? report.bare.send).cpuMsPer, 2),
        fixed(r.serverUtilization, 2),
        fixed(r.simUtilization, 2),
      ]),
    )}`,
    `## Bare Baileys ceiling (one process, one socket, keys in memory, no HTTP, no database)\n\nEach send run follows one of the server's synchronous runs the goals use, so the two meet the machine at the same speed.\n\n${table(
      ['Job', 'Count', 'Seconds', 'Per second', 'CPU ms each', 'p50 ms', 'p99 ms'],
      [
        ...report.send.flatMap((r) => (r.bare ? [{ b: r.bare, job: `send texts (10 in flight, until acked), after the server's run through ${r.senders} of ${r.connected} sessions` }] : [])),
        { b: report.bare.pair, job: 'QR pairings (one at a time)' },
        ...report.inbound.map((round, i) => ({ b: round.bare, job: `receive texts (written ${INBOUND_CONCURRENCY} at a time, until announced; delivery receipts included), after inbound round ${i + 1}` })),
      ].map(({ b, job }) => [
        job,
        String(b.count), fixed(b.elapsedS), fixed(b.perSecond, 1), fixed(b.cpuMsPer, 2),
        fixed(b.latencyP50Ms), fixed(b.latencyP99Ms),
      ]),
    )}`,
    `## Inbound to a webhook\n\nA contact writes texts to the sessions in turn, ${INBOUND_CONCURRENCY} at a time; each session's webhook for message.received gets every one. The server receives ${RECEIVE_WARM_UP} unmeasured before the rounds (and ${INBOUND_WARM_UP} before each). Each round is followed by bare Baileys receiving the same texts through one socket, in a fresh process, after ${RECEIVE_WARM_UP} unmeasured. × bare: server CPU per message over that bare run's. Bench cores: the bench process meanwhile (the webhook receiver and the simulator's driver), on the same two cores.\n\n${table(
      ['Round', 'Messages', 'Sessions', 'Seconds', 'Msg/s', 'Server CPU ms/msg', 'Bare CPU ms/msg', '× bare', 'Server cores', 'Sim cores', 'Bench cores'],
      report.inbound.map((r, i) => [String(i + 1), String(r.messages), String(r.sessions), fixed(r.elapsedS, 2), fixed(r.perSecond, 0), fixed(r.serverCpuMsPerMessage, 2), fixed(r.bare.cpuMsPer, 2),
        fixed(r.serverCpuMsPerMessage / r.bare.cpuMsPer, 2), fixed(r.serverUtilization, 2), fixed(r.simUtilization, 2), fixed(r.benchUtilization, 2)]),
    )}`,
    report.transports
      ? `## Events into brokers (RabbitMQ, NATS JetStream, Redis Streams)\n\nOne server publishing every message.received to the three brokers of this machine at once, each event counted by a consumer on the broker (and checked, every message once, after de-duplicating by event id): ${report.transports.verified ? 'verified' : 'NOT verified'}. Live: inbound messages published as they arrive, bounded by receiving them. Backlog: ${report.transports.events} events per broker queued while a TCP proxy cut the brokers off, then published in confirmed batches once they were back, all three at once (server at ${fixed(report.transports.drainServerUtilization, 2)} cores meanwhile). Events/s counts from a broker's first published event to its last; seconds from the brokers' return (reconnecting and the retry backoff included).\n\n${table(
          ['Phase', 'Events', 'Sessions', 'Seconds', 'Events/s per broker', 'Server CPU ms/event'],
          [
            ['live (inbound to 3 brokers)', String(report.transports.events), String(report.transports.sessions), fixed(report.transports.live.elapsedS, 2), fixed(report.transports.live.perSecond, 0), fixed(report.transports.live.serverCpuMsPerEvent, 2)],
            ...report.transports.drain.map((d) => [`backlog into ${d.broker}`, String(report.transports!.events), String(report.transports!.sessions), `${fixed(d.drainS, 2)} (${fixed(d.publishS, 2)} publishing)`, fixed(d.perSecond, 0), '']),
          ],
        )}`
      : '',
    `## Sends to groups\n\nOne session owns a group of each size (the other members are contacts); the first send reads the group's metadata and gives every member's device the sender key, then the measured sends (synchronous, one at a time, each once every member's phone decrypted it) reuse both. Server CPU counts while each request was in flight (to WhatsApp's ack), not while the simulator's phones decrypted and the server idled. Metadata queries counts the simulator's answers for the group over all its sends.\n\n${table(
      ['Members', 'First send ms', 'Sends', 'Server CPU ms/msg', 'Metadata queries', 'Decrypted by the members'],
      (report.groups ?? []).map((g) => [String(g.members), fixed(g.firstSendMs, 0), String(g.messages), fixed(g.serverCpuMsPerMessage, 2), String(g.metadataQueries), g.verified ? String(g.verified) : 'not checked (ackOnly)']),
    )}`,
    report.soak
      ? `## Soak\n\n${table(
          ['Minutes', 'Rate msg/s', 'Sent', 'Inbound', 'Failures', 'RSS start MB', 'RSS end MB', 'RSS max MB', 'Heap start MB', 'Heap end MB'],
          [[fixed(report.soak.minutes), String(report.soak.ratePerS), String(report.soak.sent), String(report.soak.inbound), String(report.soak.failures), mb(report.soak.start.rssBytes), mb(report.soak.end.rssBytes), mb(report.soak.maxRssBytes), mb(report.soak.start.heapUsedBytes), mb(report.soak.end.heapUsedBytes)]],
        )}\n\nUnder load (heap in use includes garbage not collected yet):\n\n${table(
          ['Minute', 'RSS MB', 'Heap MB'],
          report.soak.trend.map((sample) => [fixed(sample.atS / 60, 1), mb(sample.rssBytes), mb(sample.heapUsedBytes)]),
        )}`
      : '## Soak\n\nNot run (`--soak-minutes 0`).',
    outageSection(report.whatsappOutage),
    clusterSection(report.cluster),
  ]
  return `${sections.join('\n\n')}\n`
}

function outageSection(outage: WhatsAppOutageResult | null): string {
  if (!outage) return '## WhatsApp unreachable\n\nNot run (`--outage-seconds 0`).'
  const perS = outage.attemptsPerS
  const secondHalf = perS.slice(Math.floor(perS.length / 2))
  const tenSecond = Array.from({ length: Math.ceil(perS.length / 10) }, (_, i) => perS.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0))
  return `## WhatsApp unreachable\n\n${outage.sessions} connected sessions; a TCP proxy in front of the simulator then dropped every connection and stopped listening for ${outage.outageS} s, so each new one was refused (reconnect backoff ${outage.reconnect.baseDelayMs} ms doubling to ${outage.reconnect.maxDelayMs} ms, with equal jitter), and let them through again. Attempts are the reconnect attempts that ended (the server's disconnect counter); with jitter they spread out instead of arriving in waves, and settle near sessions / (0.75 × cap) per second.\n\n${table(
    ['Sessions', 'Outage s', 'Attempts', 'Peak attempts/s', 'Attempts/s (2nd half)', 'Server cores (2nd half)', 'Lag max ms (at s)', 'Lag windows > 100 ms', 'Failed sessions', 'All connected s', 'All sent s', 'Recovery CPU s', 'Recovery lag max ms'],
    [[String(outage.sessions), String(outage.outageS), String(perS.reduce((a, b) => a + b, 0)), String(Math.max(0, ...perS)), fixed(secondHalf.reduce((a, b) => a + b, 0) / Math.max(1, secondHalf.length), 1), `${fixed(outage.serverCores, 3)} (${fixed(outage.steadyServerCores, 3)})`, `${fixed(outage.lag.maxMs, 0)} (${fixed(outage.lag.maxAtS, 0)})`, String(outage.lag.over100Ms), String(outage.failed), fixed(outage.recovery.allConnectedMs / 1000, 1), fixed(outage.recovery.allSentMs / 1000, 1), fixed(outage.recovery.serverCpuS, 1), fixed(outage.recovery.lag.maxMs, 0)]],
  )}\n\nAttempts per 10 s of the outage: ${tenSecond.join(', ')}.`
}

export function writeReport(outDir: string, report: Report): { json: string; markdown: string } {
  return writeReportFiles(outDir, 'report', report, renderMarkdown(report))
}
