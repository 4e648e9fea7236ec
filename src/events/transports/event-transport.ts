import { within } from '../../time.js'

/** An event as a broker transport publishes it: the envelope's JSON with its id and type beside it. */
export interface TransportEvent {
  id: string
  type: string
  deviceId: string
  /** The envelope as JSON, exactly as webhooks receive it. */
  body: string
}

/**
 * A message broker events are published to (RabbitMQ, NATS JetStream, Redis Streams). It connects
 * on first use and again after a failure; publish resolves only once the broker confirmed every
 * event of the batch, in order, and rejects otherwise, with PartialPublish when the first few were
 * confirmed (the dispatcher retries what was not).
 */
export interface EventTransport {
  /** Its delivery-queue id: amqp, nats or redis. */
  readonly id: TransportId
  /** Where it publishes, without credentials, for logs and /health. */
  readonly target: string
  publish(events: readonly TransportEvent[]): Promise<void>
  close(): Promise<void>
}

/** A batch the broker took only the first `confirmed` events of (in order); the rest are to be published again. */
export class PartialPublish extends Error {
  constructor(
    readonly confirmed: number,
    cause: unknown,
    /** The event after the confirmed ones can never be published (too large): it is kept as failed at once. */
    readonly permanent = false,
  ) {
    super((cause as Error)?.message ?? String(cause))
    this.name = 'PartialPublish'
  }
}

export const TRANSPORT_IDS = ['amqp', 'nats', 'redis'] as const
export type TransportId = (typeof TRANSPORT_IDS)[number]

/** A broker URL as logs may show it: no user or password. */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

/** How long a broker may take to connect or to confirm a batch before the attempt counts as failed. */
export const BROKER_TIMEOUT_MS = 10_000

/**
 * One connection to a broker, opened on first use and shared by every lane. A use that fails drops
 * the connection it used (not one another lane opened since), so the next use opens a new one; the
 * old one is closed in the background, bounded, since a broker that stopped answering may never
 * answer the close either.
 */
export class LazyConnection<T> {
  private current: Promise<T> | undefined

  constructor(
    private readonly what: string,
    private readonly open: () => Promise<T>,
    private readonly dispose: (connection: T) => Promise<void>,
  ) {}

  /** Runs `work` on the connection (opened within the broker timeout); a failure drops that connection and is rethrown. */
  async use<R>(work: (connection: T) => Promise<R>): Promise<R> {
    const opening = (this.current ??= this.open())
    try {
      return await work(await within(opening, BROKER_TIMEOUT_MS, this.what))
    } catch (error) {
      this.drop(opening)
      throw error
    }
  }

  async close(): Promise<void> {
    const last = this.current
    this.current = undefined
    if (last) await this.disposed(last)
  }

  private drop(failed: Promise<T>): void {
    if (this.current !== failed) return
    this.current = undefined
    void this.disposed(failed)
  }

  private disposed(connection: Promise<T>): Promise<void> {
    return within(connection.then(this.dispose), BROKER_TIMEOUT_MS, `${this.what} close`).catch(() => undefined)
  }
}
