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
 * event of the batch, in order, and rejects otherwise (the dispatcher retries what was not confirmed).
 */
export interface EventTransport {
  /** Its delivery-queue id: amqp, nats or redis. */
  readonly id: TransportId
  /** Where it publishes, without credentials, for logs and /health. */
  readonly target: string
  publish(events: readonly TransportEvent[]): Promise<void>
  close(): Promise<void>
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

/** The promise, or a rejection once `ms` passed: a broker that stops answering must not hold a lane forever. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Connects at most once at a time; a failed or closed connection is opened again on the next use. */
export class LazyConnection<T> {
  private current: Promise<T> | undefined

  constructor(
    private readonly open: () => Promise<T>,
    private readonly dispose: (connection: T) => Promise<void>,
  ) {}

  get(): Promise<T> {
    this.current ??= this.open().catch((error: unknown) => {
      this.current = undefined
      throw error
    })
    return this.current
  }

  /** Drops the connection (after a failure): the next use opens a new one. */
  async reset(): Promise<void> {
    const previous = this.current
    this.current = undefined
    if (previous) await previous.then(this.dispose, () => undefined).catch(() => undefined)
  }
}
