import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A webhook receiver on loopback that counts distinct message.received events and when the last arrived. */
export class WebhookReceiver {
  private readonly eventIds = new Set<string>()
  lastAt = 0

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; type: string }
        // deliveries are at least once: count an event once however often it comes
        if (event.type === 'message.received' && !receiver.eventIds.has(event.id)) {
          receiver.eventIds.add(event.id)
          receiver.lastAt = performance.now()
        }
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)
    return receiver
  }

  get received(): number {
    return this.eventIds.size
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
