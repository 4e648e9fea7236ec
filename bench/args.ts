import { parseArgs } from 'node:util'

export interface BenchOptions {
  /** Session counts to measure at, ascending; each level pairs only the sessions it adds. */
  sessions: number[]
  /** Seconds each autocannon run lasts. */
  sendDurationS: number
  /** autocannon connection counts, each run in the synchronous and the queued mode. */
  connections: number[]
  soakMinutes: number
  /** Messages per second during the soak (queued sends spread over the sessions). */
  soakRate: number
  /** Inbound texts for the webhook measurement. */
  inboundMessages: number
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
}

const USAGE = `npm run bench -- [--quick] [--sessions 100,500,1000] [--send-duration 10] [--connections 1,10,50]
  [--soak-minutes 0] [--soak-rate 20] [--inbound 2000] [--bare-messages 3000] [--bare-pairings 10]
  [--pair-concurrency 8] [--restore-concurrency 20] [--ack-only] [--server built|tsx] [--out bench/results]`

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
      'soak-minutes': { type: 'string' },
      'soak-rate': { type: 'string' },
      inbound: { type: 'string' },
      'bare-messages': { type: 'string' },
      'bare-pairings': { type: 'string' },
      'pair-concurrency': { type: 'string' },
      'restore-concurrency': { type: 'string' },
      'ack-only': { type: 'boolean', default: false },
      server: { type: 'string', default: 'built' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  if (values.server !== 'built' && values.server !== 'tsx') throw new Error(`--server: expected built or tsx\n${USAGE}`)
  // --quick only changes defaults, so `--quick --sessions 20` still works.
  const quick = values.quick
  const int = (flag: keyof typeof values, fallback: number): number =>
    typeof values[flag] === 'string' ? positiveInts(flag, values[flag])[0]! : fallback
  return {
    sessions: positiveInts('sessions', values.sessions ?? (quick ? '50' : '100,500,1000')).sort((a, b) => a - b),
    sendDurationS: int('send-duration', quick ? 5 : 10),
    connections: positiveInts('connections', values.connections ?? '1,10,50'),
    soakMinutes: nonNegative('soak-minutes', values['soak-minutes'] ?? '0'),
    soakRate: int('soak-rate', 20),
    inboundMessages: int('inbound', quick ? 500 : 2000),
    bareMessages: int('bare-messages', quick ? 1000 : 3000),
    barePairings: int('bare-pairings', quick ? 5 : 10),
    pairConcurrency: int('pair-concurrency', 8),
    restoreConcurrency: int('restore-concurrency', 20),
    ackOnly: values['ack-only'],
    server: values.server,
    outDir: values.out,
  }
}
