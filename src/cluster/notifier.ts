import pg from 'pg'
import type { Logger } from 'pino'
import type { PgPool } from '../store/postgres/pool.js'

/** What one node tells the others, through PostgreSQL's NOTIFY. */
export type ClusterNotice =
  /** A session's record or live state changed. */
  | { kind: 'session'; deviceId: string }
  /** A session's webhooks changed. */
  | { kind: 'webhooks'; deviceId: string }
  /** A message was queued for a session, maybe run by another node. */
  | { kind: 'outbox'; deviceId: string }
  /** An event for the live streams: inline, or the cluster_events row holding it. */
  | { kind: 'event'; body?: string; seq?: number }
  /** Leases were given up: their sessions are free to take now. */
  | { kind: 'rebalance' }

type Envelope = ClusterNotice & { from: string }

const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 5_000

/**
 * LISTEN/NOTIFY on one channel per schema (nodes of different deployments may share a database).
 * Listening takes a connection of its own, reopened with backoff when it drops; after every
 * (re)connection `onResync` runs, because notices sent while not listening are lost for good.
 */
export class ClusterNotifier {
  private client: pg.Client | undefined
  private channel = ''
  private closed = false
  private retryMs = RECONNECT_MIN_MS
  private retryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly options: {
      url: string
      pool: PgPool
      nodeId: string
      logger: Logger
      onNotice: (notice: ClusterNotice) => void
      onResync: () => void
    },
  ) {}

  async start(): Promise<void> {
    const { rows } = await this.options.pool.query<{ schema: string }>('SELECT current_schema() AS schema')
    this.channel = `wa_cluster:${rows[0]!.schema}`
    await this.listen()
  }

  /** Tells every other node; a notice that cannot be sent is logged (each heartbeat also kicks queued messages). */
  notify(notice: ClusterNotice): void {
    const payload = JSON.stringify({ ...notice, from: this.options.nodeId } satisfies Envelope)
    this.options.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, payload])
      .catch((error: unknown) => this.options.logger.warn({ err: error, notice: notice.kind }, 'could not notify the other nodes'))
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => undefined)
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url })
    client.on('notification', (message) => this.receive(message.payload))
    client.on('error', (error) => this.reconnect(client, error))
    client.on('end', () => this.reconnect(client, undefined))
    try {
      await client.connect()
      await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`)
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    // Closed while connecting: this connection must not outlive the notifier.
    if (this.closed) {
      await client.end().catch(() => undefined)
      return
    }
    this.client = client
    this.retryMs = RECONNECT_MIN_MS
    this.options.onResync()
  }

  private receive(payload: string | undefined): void {
    if (!payload) return
    let envelope: Envelope
    try {
      envelope = JSON.parse(payload) as Envelope
    } catch {
      return
    }
    if (envelope.from === this.options.nodeId) return
    this.options.onNotice(envelope)
  }

  private reconnect(client: pg.Client, error: Error | undefined): void {
    if (this.closed || this.client !== client) return
    this.client = undefined
    client.end().catch(() => undefined)
    this.options.logger.warn({ err: error }, 'lost the cluster notification connection; reconnecting')
    const retry = (): void => {
      this.retryTimer = undefined
      if (this.closed) return
      this.listen().catch((failure: unknown) => {
        this.options.logger.warn({ err: failure }, 'could not listen for cluster notifications')
        this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2)
        this.retryTimer = setTimeout(retry, this.retryMs)
      })
    }
    this.retryTimer = setTimeout(retry, this.retryMs)
  }
}
