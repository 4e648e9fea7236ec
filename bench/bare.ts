import { awaitLine, startChild } from './children.js'
import type { BareJob, BareResult } from './bare-baileys.js'
import type { SimProcess } from './sim-process.js'

/** Runs one bare-Baileys job in a fresh process and returns what it measured. */
export async function runBare(root: string, sim: SimProcess, job: Pick<BareJob, 'mode' | 'count' | 'window' | 'recipient'>): Promise<BareResult> {
  const full: BareJob = { ...job, simUrl: sim.info.url, rootPublicKeyB64: sim.info.rootPublicKeyB64, controlUrl: sim.info.controlUrl }
  const child = startChild(['--import', 'tsx', 'bench/bare-baileys.ts', JSON.stringify(full)], { cwd: root })
  try {
    const match = await awaitLine(child, /^BENCH_BARE_RESULT (.+)$/m, 600_000)
    return JSON.parse(match[1]!) as BareResult
  } finally {
    await child.stop('SIGKILL')
  }
}
