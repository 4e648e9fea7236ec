import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'

/** Every process the bench started, so none outlives it: not on an error, not on Ctrl-C. */
const running = new Set<ChildProcess>()

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping child processes\n`)
    process.exit(130)
  })
}

const OUTPUT_TAIL = 64 * 1024

export interface Child {
  process: ChildProcess
  pid: number
  /** The last 64 KiB the process wrote (stdout and stderr), for error messages. */
  output(): string
  /** Resolves when the process exited (or at once if it has). */
  exited(): Promise<void>
  /** Sends `signal` and waits for the exit; SIGKILL if it has not exited after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

export function startChild(args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  if (child.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`)
  running.add(child)
  let output = ''
  // BENCH_CHILD_LOG_DIR keeps each child's whole output (e.g. the server's with --trace-gc in BENCH_SERVER_NODE_ARGS).
  const logDir = process.env.BENCH_CHILD_LOG_DIR
  const log = logDir ? createWriteStream(join(logDir, `node-${child.pid}.log`)) : undefined
  const append = (chunk: string): void => {
    output = (output + chunk).slice(-OUTPUT_TAIL)
    log?.write(chunk)
  }
  child.stdout?.setEncoding('utf8').on('data', append)
  child.stderr?.setEncoding('utf8').on('data', append)
  const exit = once(child, 'exit').then(() => {
    running.delete(child)
    log?.end()
  })
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null
  return {
    process: child,
    pid: child.pid,
    output: () => output,
    exited: () => exit,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (hasExited()) return
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exit
      clearTimeout(timer)
    },
  }
}

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits or time runs out. */
export function awaitLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: string): void => {
      buffered += chunk
      const match = pattern.exec(buffered)
      if (match) finish(() => resolve(match))
    }
    const onExit = (): void => finish(() => reject(new Error(`process exited before printing ${pattern}:\n${child.output()}`)))
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${child.output()}`))), timeoutMs)
    const finish = (settle: () => void): void => {
      clearTimeout(timer)
      child.process.stdout!.off('data', onData)
      child.process.off('exit', onExit)
      settle()
    }
    child.process.stdout!.on('data', onData)
    child.process.once('exit', onExit)
  })
}
