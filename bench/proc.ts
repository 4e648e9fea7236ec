import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * CPU and memory of another process from /proc (Linux only): process.cpuUsage() only covers the
 * bench itself, and the server and simulator run as their own processes.
 */

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** User + system CPU seconds the process has used so far, all threads included. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces, so count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

/** CPU used by several processes over a stretch of work, and how busy each was (1 = one core). */
export class CpuMeter {
  private readonly start: Map<number, number>
  private readonly startedAt = performance.now()

  constructor(private readonly pids: Record<string, number>) {
    this.start = new Map(Object.values(pids).map((pid) => [pid, cpuSeconds(pid)]))
  }

  stop(): { elapsedS: number; cpuS: Record<string, number>; utilization: Record<string, number> } {
    const elapsedS = (performance.now() - this.startedAt) / 1000
    const cpuS: Record<string, number> = {}
    const utilization: Record<string, number> = {}
    for (const [name, pid] of Object.entries(this.pids)) {
      cpuS[name] = cpuSeconds(pid) - this.start.get(pid)!
      utilization[name] = cpuS[name] / elapsedS
    }
    return { elapsedS, cpuS, utilization }
  }
}
