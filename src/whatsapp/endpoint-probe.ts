import { connect } from 'node:net'

/**
 * Whether WhatsApp's endpoint takes TCP connections, a probe started at most once per `maxAgeMs`
 * for every session at once (callers get the latest probe started, finished or not). While it is unreachable (refused, no route, no name, no answer) a reconnect
 * attempt costs a share of one TCP connect instead of a whole Baileys socket: for a thousand
 * sessions retrying, that was seconds of CPU and enough garbage for the collector to stall the
 * process cleaning it up.
 */
export class EndpointProbe {
  private last: { at: number; outcome: Promise<string | null> } | undefined

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** WhatsApp's WebSocket address as Baileys dials it. */
  static forUrl(url: string, timeoutMs: number): EndpointProbe {
    const parsed = new URL(url)
    const port = parsed.port === '' ? (parsed.protocol === 'wss:' || parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port)
    // URL keeps an IPv6 host in brackets; the socket wants it bare.
    return new EndpointProbe(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port, timeoutMs)
  }

  /** Null when the endpoint accepted a connection lately, else why it did not. */
  unreachable(): Promise<string | null> {
    const now = this.now()
    if (this.last && now - this.last.at < this.maxAgeMs) return this.last.outcome
    const outcome = new Promise<string | null>((resolve) => {
      const socket = connect({ host: this.host, port: this.port })
      const done = (reason: string | null): void => {
        clearTimeout(timer)
        socket.destroy()
        resolve(reason)
      }
      const timer = setTimeout(() => done(`no answer from ${this.host}:${this.port} within ${this.timeoutMs} ms`), this.timeoutMs)
      socket.once('connect', () => done(null))
      // With IPv4 and IPv6 addresses both tried, Node reports an AggregateError with an empty message and the code.
      socket.once('error', (error: NodeJS.ErrnoException) => done(`${this.host}:${this.port}: ${error.message || error.code || error.name}`))
    })
    this.last = { at: now, outcome }
    return outcome
  }
}
