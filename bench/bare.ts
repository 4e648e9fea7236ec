import { awaitLine, type Child, startChild } from './children.js'
import type { BareJob, BareResult } from './bare-baileys.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit } from './wait.js'

// what bench/bare-baileys.ts prints
const RESULT_LINE = /^BENCH_BARE_RESULT (.+)$/m
const RECEIVER_LINE = /^BENCH_BARE_RECEIVER (\d+)$/m
const WARM_LINE = /^BENCH_BARE_WARM$/m
const LINE_TIMEOUT_MS = 600_000

function startBare(root: string, sim: SimProcess, job: Omit<BareJob, 'simUrl' | 'rootPublicKeyB64' | 'controlUrl'>): Child {
  const full: BareJob = { ...job, simUrl: sim.info.url, rootPublicKeyB64: sim.info.rootPublicKeyB64, controlUrl: sim.info.controlUrl }
  return startChild(['--import', 'tsx', 'bench/bare-baileys.ts', JSON.stringify(full)], { cwd: root })
}

/** Runs one bare-Baileys job in a fresh process and returns what it measured. */
export async function runBare(root: string, sim: SimProcess, job: Pick<BareJob, 'mode' | 'count' | 'window' | 'recipient'>): Promise<BareResult> {
  const child = startBare(root, sim, job)
  try {
    const match = await awaitLine(child, RESULT_LINE, LINE_TIMEOUT_MS)
    return JSON.parse(match[1]!) as BareResult
  } finally {
    await child.stop('SIGKILL')
  }
}

/**
 * Bare Baileys receiving: one socket, `warmUp` texts unmeasured (its Signal session with the
 * contact, JIT), then `count` measured, each written by `from` through the simulator,
 * `concurrency` at a time, as the server's inbound measurement writes them.
 */
export async function runBareReceive(root: string, sim: SimProcess, opts: { from: string; count: number; warmUp: number; concurrency: number }): Promise<BareResult> {
  const child = startBare(root, sim, { mode: 'receive', count: opts.count, warmUp: opts.warmUp, window: opts.concurrency, recipient: opts.from })
  // every line is watched from the start: each may come before the bench gets to wait for it
  const receiver = awaitLine(child, RECEIVER_LINE, LINE_TIMEOUT_MS)
  const warm = awaitLine(child, WARM_LINE, LINE_TIMEOUT_MS)
  const result = awaitLine(child, RESULT_LINE, LINE_TIMEOUT_MS)
  for (const pending of [warm, result]) pending.catch(() => undefined)
  const write = (count: number, label: string, to: string): Promise<unknown> =>
    mapLimit(Array.from({ length: count }, (_, i) => i), opts.concurrency, (i) => sim.inbound(to, opts.from, `${label} ${i}`))
  try {
    const to = (await receiver)[1]!
    await write(opts.warmUp, 'warm-up', to)
    await warm
    await write(opts.count, 'inbound', to)
    return JSON.parse((await result)[1]!) as BareResult
  } finally {
    await child.stop('SIGKILL')
  }
}
