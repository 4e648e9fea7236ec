import type { Logger } from 'pino'
import type { EventEnvelope } from '../events/envelope.js'
import type { LiveStream } from '../events/live-stream.js'
import type { ClusterRepository } from './cluster-repository.js'
import type { ClusterNotice } from './notifier.js'

/** NOTIFY payloads are capped at 8000 bytes; bigger events go through cluster_events. */
const INLINE_LIMIT = 7000

/**
 * Live-stream events across nodes: an event happens on the node running its session, but an SSE
 * client may be connected to any node. Each event is announced to the others (inline, or as a row
 * of cluster_events when too big), in the order it happened here, and they publish it to their own
 * subscribers. Webhooks are not relayed: the node where an event happens queues them once.
 */
export class ClusterEventRelay {
  private announced: Promise<void> = Promise.resolve()

  constructor(
    private readonly options: {
      nodeId: string
      repository: ClusterRepository
      live: LiveStream
      logger: Logger
      announce: (notice: ClusterNotice) => void
      /** An event another node published, after it reached the local live stream. */
      onRemoteEvent: (event: EventEnvelope) => void
    },
  ) {}

  /** Publishes an event that happened on this node, here and on every other node. */
  publish(event: EventEnvelope): void {
    this.options.live.publish(event)
    const body = JSON.stringify(event)
    this.announced = this.announced
      .then(async () => {
        if (body.length <= INLINE_LIMIT) this.options.announce({ kind: 'event', body })
        else this.options.announce({ kind: 'event', seq: await this.options.repository.appendEvent(this.options.nodeId, body) })
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, eventId: event.id }, 'could not relay an event to the other nodes'))
  }

  /** An event another node announced. */
  receive(notice: { body?: string; seq?: number }): void {
    const body = notice.body !== undefined ? Promise.resolve(notice.body) : this.options.repository.eventBody(notice.seq ?? 0)
    body
      .then((text) => {
        if (text === undefined) return
        const event = JSON.parse(text) as EventEnvelope
        this.options.live.publish(event)
        this.options.onRemoteEvent(event)
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not read a relayed event'))
  }
}
