import type { Logger } from 'pino'
import type { EventEnvelope } from '../events/envelope.js'
import type { LiveStream } from '../events/live-stream.js'
import type { ClusterRepository } from './cluster-repository.js'
import type { ClusterNotice } from './notifier.js'

/** NOTIFY payloads are capped at 8000 bytes (UTF-8, after the notice's own JSON); bigger events go through cluster_events. */
const INLINE_LIMIT_BYTES = 7500

/**
 * Live-stream events across nodes: an event happens on the node running its session, but an SSE
 * client may be connected to any node. Each event is announced to the others (inline, or as a row
 * of cluster_events when too big), and they publish it to their own subscribers; a big event read
 * back from the table may reach them after a later small one. Webhooks are not relayed: the node where an event happens queues them once.
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
        if (Buffer.byteLength(JSON.stringify(body)) <= INLINE_LIMIT_BYTES) this.options.announce({ kind: 'event', body })
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
