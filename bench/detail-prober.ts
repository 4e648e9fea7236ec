import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { latencyOf, type Latency } from './stats.js'

/**
 * The prober's loop, in a thread of its own: on the bench's event loop a probe's time also counted
 * whatever the bench did meanwhile (parsing a listing of ten thousand sessions, the event stream),
 * which is not the server's answer. CommonJS, as an eval'd worker runs.
 */
const PROBER_SOURCE = `
const { parentPort, workerData: { baseUrl, adminKey, deviceIds, intervalMs } } = require('node:worker_threads')
const samples = []
let running = true
parentPort.once('message', () => { running = false })
;(async () => {
  while (running) {
    const deviceId = deviceIds[Math.floor(Math.random() * deviceIds.length)]
    const startedAt = performance.now()
    try {
      const response = await fetch(baseUrl + '/api/sessions/' + deviceId, { headers: { authorization: 'Bearer ' + adminKey } })
      await response.arrayBuffer()
      if (response.status === 200) samples.push(performance.now() - startedAt)
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  parentPort.postMessage(samples)
})()
`

/**
 * Asks for random sessions' details every `intervalMs` until stopped, as a dashboard or an
 * application would, timing each answer (successful ones) from a worker thread.
 */
export function probeDetails(baseUrl: string, adminKey: string, deviceIds: readonly string[], intervalMs: number): { stop(): Promise<Latency> } {
  const worker = new Worker(PROBER_SOURCE, { eval: true, workerData: { baseUrl, adminKey, deviceIds, intervalMs } })
  const samples = once(worker, 'message') as Promise<[number[]]>
  return {
    async stop() {
      worker.postMessage('stop')
      const [measured] = await samples
      await worker.terminate()
      return latencyOf(measured)
    },
  }
}
