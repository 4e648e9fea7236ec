import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after } from 'node:test'

export interface ReceivedRequest {
  headers: IncomingHttpHeaders
  body: string
  event: { id: string; type: string; deviceId: string; timestamp: string; metadata?: Record<string, unknown>; data: Record<string, any> }
  at: number
}

/** How the receiver answers: 2xx, an error status, or never (the request hangs). */
export type ReceiverMode = 'ok' | 'down' | 'hang'

/** A real HTTP webhook receiver on loopback, recording what it accepted. */
export class WebhookReceiver {
  mode: ReceiverMode = 'ok'
  readonly accepted: ReceivedRequest[] = []
  attempts = 0
  private readonly hanging = new Set<() => void>()

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        receiver.attempts++
        if (receiver.mode === 'hang') {
          receiver.hanging.add(() => response.destroy())
          return
        }
        if (receiver.mode === 'down') return void response.writeHead(503).end()
        const body = Buffer.concat(chunks).toString('utf8')
        receiver.accepted.push({ headers: request.headers, body, event: JSON.parse(body), at: Date.now() })
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`)
    after(() => receiver.close())
    return receiver
  }

  /** Distinct events accepted, in arrival order, duplicates (same id) removed. */
  uniqueEvents(): ReceivedRequest['event'][] {
    const seen = new Set<string>()
    return this.accepted.map((r) => r.event).filter((event) => !seen.has(event.id) && seen.add(event.id))
  }

  close(): Promise<void> {
    for (const release of this.hanging) release()
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
