import { parseArgs } from 'node:util'
import { parseConfig } from '../src/config.js'

export interface BenchOptions {
  /** Session counts to measure at, ascending; each level pairs only the sessions it adds. */
  sessions: number[]
  /** Seconds each autocannon run lasts. */
  sendDurationS: number
  /** autocannon connection counts, each run in the synchronous and the queued mode. */
  connections: number[]
  /**
   * Runs of each send measurement (per connection count and mode, and bare Baileys' sends); the goals
   * take the median, since one run on a shared machine can be off by half.
   */
  sendRepeats: number
  /** Sessions the spread sends take turns through, with every session connected (at most all of them). */
  spreadSessions: number
  soakMinutes: number
  /** Messages per second during the soak (queued sends spread over the sessions). */
  soakRate: number
  /** Inbound texts for the webhook measurement. */
  inboundMessages: number
  /** Events per phase of the broker transports measurement (0 skips it). */
  transportEvents: number
  /** Group sizes (members, the session included) for the group-send measurement, and sends per group. */
  groupSizes: number[]
  groupMessages: number
  /** Seconds WhatsApp is unreachable in the outage scenario (0 skips it). */
  outageSeconds: number
  /** Bare Baileys ceilings: texts sent, and pairings made. */
  bareMessages: number
  barePairings: number
  /** Sessions paired at once through the API. */
  pairConcurrency: number
  restoreConcurrency: number
  /** The simulator acks sends without decrypting them: less simulator CPU, but nothing to verify against. */
  ackOnly: boolean
  /** `built` compiles src/ with tsc and runs dist/ (fair CPU numbers); `tsx` runs src/ directly. */
  server: 'built' | 'tsx'
  outDir: string
  /** The cluster scenario (bench/cluster.ts), or null without --cluster. */
  cluster: ClusterOptions | null
  /** Ten thousand sessions on one node (bench/scale.ts), or null without --only-scale. */
  scale: { sessions: number; idleSeconds: number; pairings: number } | null
  /** Inbound measurements, each with bare Baileys receiving the same right after it; the goal takes their median. */
  inboundRepeats: number
  /** Only the inbound measurement (--only-inbound). */
  onlyInbound: boolean
}

export interface ClusterOptions {
  /** Run only the cluster scenario, not the single-node ones. */
  only: boolean
  nodes: number
  sessions: number
  /** The lease settings the nodes run with: the server's defaults, or CLUSTER_LEASE_TTL_MS from --lease-ttl-ms. */
  lease: { ttlMs: number; heartbeatMs: number; override: boolean }
  /** The PostgreSQL database; the scenario works in a schema of its own and drops it. */
  databaseUrl: string
}

const USAGE = `npm run bench -- [--quick] [--sessions 100,500,1000] [--send-duration 10] [--connections 1,10,50] [--send-repeats 3] [--spread 100]
  [--soak-minutes 0] [--soak-rate 20] [--inbound 2000] [--inbound-repeats 3] [--transport-events 3000] [--group-sizes 10,100,1000] [--group-messages 100] [--outage-seconds 180] [--bare-messages 3000] [--bare-pairings 10]
  [--pair-concurrency 8] [--restore-concurrency 20] [--ack-only] [--server built|tsx] [--out bench/results]
  [--cluster | --only-cluster] [--cluster-nodes 3] [--cluster-sessions 300] [--lease-ttl-ms <server default>]
  [--database-url postgres://postgres@127.0.0.1:5432/test]
  [--only-scale] [--scale-sessions 10000] [--idle-seconds 60] [--scale-pairings 48]
  [--only-inbound]
--cluster runs the cluster scenario after the others; --only-cluster runs it alone.
--only-scale seeds --scale-sessions linked sessions on one server and measures them alone (bench/results/scale-report.md);
  its sends use --send-duration, --send-repeats and --bare-messages, its pairings --pair-concurrency.
--only-inbound pairs the inbound sessions on one server and runs the inbound measurement alone (after one round not
  counted); it prints each round and the median, and writes no report.`

function positiveInts(flag: string, text: string): number[] {
  const values = text.split(',').map((part) => Number(part.trim()))
  if (!values.length || values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`--${flag}: expected positive integers, got "${text}"`)
  return values
}

function nonNegative(flag: string, text: string): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag}: expected a number >= 0, got "${text}"`)
  return value
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      sessions: { type: 'string' },
      'send-duration': { type: 'string' },
      connections: { type: 'string' },
      'send-repeats': { type: 'string' },
      spread: { type: 'string' },
      'soak-minutes': { type: 'string' },
      'soak-rate': { type: 'string' },
      inbound: { type: 'string' },
      'transport-events': { type: 'string' },
      'group-sizes': { type: 'string' },
      'group-messages': { type: 'string' },
      'outage-seconds': { type: 'string' },
      'bare-messages': { type: 'string' },
      'bare-pairings': { type: 'string' },
      'pair-concurrency': { type: 'string' },
      'restore-concurrency': { type: 'string' },
      'ack-only': { type: 'boolean', default: false },
      server: { type: 'string', default: 'built' },
      out: { type: 'string', default: 'bench/results' },
      cluster: { type: 'boolean', default: false },
      'only-cluster': { type: 'boolean', default: false },
      'only-scale': { type: 'boolean', default: false },
      'scale-sessions': { type: 'string' },
      'idle-seconds': { type: 'string' },
      'scale-pairings': { type: 'string' },
      'only-inbound': { type: 'boolean', default: false },
      'inbound-repeats': { type: 'string' },
      'cluster-nodes': { type: 'string' },
      'cluster-sessions': { type: 'string' },
      'lease-ttl-ms': { type: 'string' },
      'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  if (!values['only-scale'] && (values['scale-sessions'] ?? values['idle-seconds'] ?? values['scale-pairings'])) throw new Error(`scale flags need --only-scale\n${USAGE}`)
  if (values.server !== 'built' && values.server !== 'tsx') throw new Error(`--server: expected built or tsx\n${USAGE}`)
  // --quick only changes defaults, so `--quick --sessions 20` still works.
  const quick = values.quick
  const int = (flag: keyof typeof values, fallback: number): number =>
    typeof values[flag] === 'string' ? positiveInts(flag, values[flag])[0]! : fallback
  return {
    sessions: positiveInts('sessions', values.sessions ?? (quick ? '50' : '100,500,1000')).sort((a, b) => a - b),
    sendDurationS: int('send-duration', quick ? 5 : 10),
    connections: positiveInts('connections', values.connections ?? '1,10,50'),
    sendRepeats: int('send-repeats', 3),
    spreadSessions: int('spread', 100),
    soakMinutes: nonNegative('soak-minutes', values['soak-minutes'] ?? '0'),
    soakRate: int('soak-rate', 20),
    inboundMessages: int('inbound', quick ? 500 : 2000),
    transportEvents: nonNegative('transport-events', values['transport-events'] ?? (quick ? '500' : '3000')),
    groupSizes: positiveInts('group-sizes', values['group-sizes'] ?? (quick ? '10,100' : '10,100,1000')).sort((a, b) => a - b),
    groupMessages: int('group-messages', quick ? 30 : 100),
    outageSeconds: nonNegative('outage-seconds', values['outage-seconds'] ?? (quick ? '20' : '180')),
    bareMessages: int('bare-messages', quick ? 1000 : 3000),
    barePairings: int('bare-pairings', quick ? 5 : 10),
    pairConcurrency: int('pair-concurrency', 8),
    restoreConcurrency: int('restore-concurrency', 20),
    ackOnly: values['ack-only'],
    server: values.server,
    outDir: values.out,
    cluster: clusterOptions(values, quick, int),
    scale: values['only-scale']
      ? { sessions: int('scale-sessions', quick ? 1000 : 10_000), idleSeconds: int('idle-seconds', quick ? 20 : 60), pairings: int('scale-pairings', quick ? 16 : 48) }
      : null,
    inboundRepeats: int('inbound-repeats', 3),
    onlyInbound: values['only-inbound'],
  }
}

function clusterOptions(
  values: { cluster: boolean; 'only-cluster': boolean; 'lease-ttl-ms'?: string; 'database-url': string; 'cluster-nodes'?: string; 'cluster-sessions'?: string },
  quick: boolean,
  int: (flag: 'cluster-nodes' | 'cluster-sessions' | 'lease-ttl-ms', fallback: number) => number,
): ClusterOptions | null {
  if (!values.cluster && !values['only-cluster']) {
    if (values['cluster-nodes'] ?? values['cluster-sessions'] ?? values['lease-ttl-ms']) throw new Error(`cluster flags need --cluster or --only-cluster\n${USAGE}`)
    return null
  }
  const nodes = int('cluster-nodes', 3)
  const sessions = int('cluster-sessions', quick ? 60 : 300)
  // a survivor to fail over to, and sessions on every node
  if (nodes < 2) throw new Error('--cluster-nodes: at least 2')
  if (sessions < nodes) throw new Error('--cluster-sessions: at least one per node')
  const override = values['lease-ttl-ms'] !== undefined
  // the server's own parsing: its defaults, and a bad value fails now rather than after the other scenarios
  const { leaseTtlMs, heartbeatMs } = parseConfig(override ? { CLUSTER_LEASE_TTL_MS: String(int('lease-ttl-ms', 0)) } : {}).cluster
  return {
    only: values['only-cluster'],
    nodes,
    sessions,
    lease: { ttlMs: leaseTtlMs, heartbeatMs, override },
    databaseUrl: values['database-url'],
  }
}
