import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { EventEnvelope } from '../events/envelope.js'
import type { LiveStream } from '../events/live-stream.js'
import type { WebhookRegistry } from '../events/webhook-registry.js'
import type { ClusterView } from '../http/routes/cluster.js'
import type { SessionRouting } from '../http/session-routing.js'
import type { Outbox } from '../messaging/outbox.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { PgPool } from '../store/postgres/pool.js'
import type { SessionCatalog } from '../store/session-catalog.js'
import { ClusterNode } from './cluster-node.js'
import { ClusterRepository } from './cluster-repository.js'
import { ClusterEventRelay } from './event-relay.js'
import type { LeaseBook } from './lease-book.js'
import { ClusterNotifier, type ClusterNotice } from './notifier.js'
import { RequestForwarder } from './request-forwarder.js'

/** The parts of a node that other nodes' notices act on. */
export interface ClusterParts {
  catalog: SessionCatalog
  sessions: SessionManager
  outbox: Outbox
  registry: WebhookRegistry
  live: LiveStream
}

/**
 * Everything that makes one server process a node among several on one PostgreSQL database
 * (on a pool of its own, which stop() closes):
 * leases and balancing (ClusterNode), notices between nodes (LISTEN/NOTIFY), the live-event relay
 * and request forwarding. Built before the domain objects (they take its placement and notify
 * hooks), then wired to them with attach().
 */
export class Cluster {
  readonly node: ClusterNode
  readonly routing: SessionRouting
  readonly view: ClusterView
  private readonly repository: ClusterRepository
  private notifier: ClusterNotifier | undefined
  private relay: ClusterEventRelay | undefined
  private parts: ClusterParts | undefined

  constructor(
    private readonly config: Config,
    private readonly pool: PgPool,
    leases: LeaseBook,
    private readonly logger: Logger,
  ) {
    this.repository = new ClusterRepository(pool)
    this.node = new ClusterNode({
      nodeId: config.nodeId,
      leaseTtlMs: config.cluster.leaseTtlMs,
      heartbeatMs: config.cluster.heartbeatMs,
      repository: this.repository,
      leases,
      logger,
      announceRelease: () => this.notify({ kind: 'rebalance' }),
      announceState: (deviceId) => this.notify({ kind: 'session', deviceId }),
    })
    this.routing = new RequestForwarder(this.node, config.sendTimeoutMs)
    this.view = { mode: 'cluster', nodes: () => this.node.describe() }
  }

  notify(notice: ClusterNotice): void {
    this.notifier?.notify(notice)
  }

  /** Connects the node to the domain; returns where the event feed publishes live events. */
  attach(parts: ClusterParts): Pick<LiveStream, 'publish'> {
    this.parts = parts
    this.relay = new ClusterEventRelay({
      nodeId: this.config.nodeId,
      repository: this.repository,
      live: parts.live,
      logger: this.logger,
      announce: (notice) => this.notify(notice),
      onRemoteEvent: (event) => this.onRemoteEvent(event),
    })
    this.notifier = new ClusterNotifier({
      url: this.config.database.url!,
      pool: this.pool,
      nodeId: this.config.nodeId,
      logger: this.logger,
      onNotice: (notice) => this.onNotice(notice),
      onResync: () => this.resync(),
    })
    return this.relay
  }

  /** Listens to the other nodes, then joins: sessions arrive as this node takes their leases. */
  async start(url: string): Promise<void> {
    const { sessions, outbox } = this.requireParts()
    await this.notifier!.start()
    await this.node.start({
      acquired: (deviceId) => outbox.requeueInterrupted(deviceId),
      adopt: (deviceId) => sessions.adopt(deviceId),
      release: (deviceId) => sessions.release(deviceId),
      heartbeat: () => outbox.kickQueued((deviceId) => this.node.holds(deviceId)),
    }, url)
    sessions.markRestored()
  }

  /** Hands this node's sessions to the others, stops listening and closes its connections. */
  async stop(): Promise<void> {
    try {
      await this.node.stop()
      await this.notifier?.close()
    } finally {
      await this.pool.end()
    }
  }

  private onNotice(notice: ClusterNotice): void {
    const { catalog, outbox, registry } = this.requireParts()
    switch (notice.kind) {
      case 'session':
        // it may have been deleted elsewhere, its webhooks with it: queued deliveries must find them gone
        registry.forgetSession(notice.deviceId)
        this.track(
          Promise.all([catalog.refresh(notice.deviceId), this.node.loadPublished(notice.deviceId)]).then(([record]) =>
            this.obey(notice.deviceId, record?.desiredState)),
          notice,
        )
        return
      case 'webhooks':
        registry.forgetSession(notice.deviceId)
        return
      case 'outbox':
        if (this.node.holds(notice.deviceId)) outbox.kick(notice.deviceId)
        return
      case 'event':
        this.relay?.receive(notice)
        return
      case 'rebalance':
        this.node.nudge()
        return
    }
  }

  /**
   * Requests that change a session are forwarded to the node running it, but one may still land
   * elsewhere (the lease moved meanwhile): the node running a session stops it once it learns
   * that it was stopped or deleted.
   */
  private async obey(deviceId: string, desiredState: string | undefined): Promise<void> {
    if (desiredState !== 'running') await this.node.surrender(deviceId)
  }

  /** A remote outcome for a message a synchronous request here may be waiting on. */
  private onRemoteEvent(event: EventEnvelope): void {
    if (event.type !== 'message.status') return
    const { messageId } = event.data as { messageId?: string }
    if (typeof messageId === 'string') this.requireParts().outbox.settledElsewhere(messageId)
  }

  /** Notices may have been missed while not listening: re-read what they would have said. */
  private resync(): void {
    const { catalog, outbox, registry } = this.requireParts()
    registry.forgetAll()
    this.track(
      Promise.all([catalog.reload(), this.node.loadPublished()]).then(() => {
        for (const record of catalog.list()) if (this.node.holds(record.deviceId)) outbox.kick(record.deviceId)
      }),
      { kind: 'resync' },
    )
  }

  private track(work: Promise<unknown>, context: object): void {
    work.catch((error: unknown) => this.logger.warn({ err: error, ...context }, 'could not apply a cluster notice'))
  }

  private requireParts(): ClusterParts {
    if (!this.parts) throw new Error('Cluster.attach() must come first')
    return this.parts
  }
}
