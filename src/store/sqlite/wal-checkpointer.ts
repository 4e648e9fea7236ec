import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

interface CheckpointWorkerData {
  /** better-sqlite3's entry point, resolved here: the worker's code runs from a string. */
  driver: string
  /** The database file; the worker opens its own connection to it. */
  file: string
  intervalMs: number
}

/**
 * The worker's code. It is plain JavaScript in a string, so the same source runs under tsx (tests,
 * development) and from dist/ (a separate .ts worker file would need a loader in the worker).
 * PASSIVE never waits for the server's connection: it copies what it can and tries again next time.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
let lastError
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
    lastError = undefined
  } catch (error) {
    // Reported once while it lasts (a full disk fails every attempt, five times a second).
    if (error.message !== lastError) parentPort.postMessage(error.message)
    lastError = error.message
  }
}, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/** How often the worker copies the WAL back into the database file. */
const CHECKPOINT_INTERVAL_MS = 200

/**
 * Pages the WAL may reach before the server's own connection checkpoints after all: only if the
 * worker stopped (at about 600 messages/s the worker keeps the WAL near a tenth of this).
 */
export const BACKSTOP_WAL_PAGES = 10_000

/**
 * SQLite's automatic checkpoint runs inside whichever commit crosses the WAL limit: two fsyncs and
 * a page copy (3-9 ms here) on the event loop, every few dozen messages. A worker thread does it
 * instead, on its own connection; WAL readers and the writer are never blocked by a PASSIVE checkpoint.
 */
export class WalCheckpointer {
  private readonly exited: Promise<void>

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()))
  }

  static start(file: string, onError: (message: string) => void): WalCheckpointer {
    const workerData: CheckpointWorkerData = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    }
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData })
    worker.on('message', (message: string) => onError(message))
    // A worker that dies leaves the backstop checkpoint in place: the WAL stays bounded.
    worker.on('error', (error) => onError(error.message))
    worker.unref()
    return new WalCheckpointer(worker)
  }

  /** Stops the worker and closes its connection; the server's connection closes after it. */
  async stop(): Promise<void> {
    // Unreferenced while it runs; waiting for it to exit must keep the process alive.
    this.worker.ref()
    this.worker.postMessage('stop')
    await this.exited
  }
}
