import type { Logger } from 'pino'
import { postTarget, type SafeFetcher } from '../security/safe-fetch.js'
import type { DeliveryRecord } from '../store/ports.js'
import type { Destination } from './delivery-dispatcher.js'
import { type EventTransport, PartialPublish, type TransportId } from './transports/event-transport.js'
import type { WebhookRegistry, WebhookTarget } from './webhook-registry.js'
import { webhookSigner } from './webhook-signer.js'

/** Events a broker takes in one confirmed batch. */
export const TRANSPORT_BATCH = 500

/** A webhook: one signed POST per attempt; a 2xx within the timeout delivers it. */
function webhookDestination(url: string, secret: string, http: SafeFetcher, timeoutMs: number): Destination {
  const sign = webhookSigner(secret)
  const target = postTarget(url)
  return {
    maxBatch: 1,
    deliver: async ([delivery]) => {
      const { eventId, body } = delivery!
      try {
        const status = await http.post(target, body, sign(eventId, new Date(), body), timeoutMs)
        return status >= 200 && status < 300 ? { delivered: 1 } : { delivered: 0, error: `Receiver answered HTTP ${status}` }
      } catch (failure) {
        const cause = (failure as { cause?: Error }).cause?.message
        return { delivered: 0, error: `Receiver unreachable: ${cause ?? (failure as Error).message}` }
      }
    },
  }
}

/** How a broker transport is doing, for /health. */
export interface TransportHealth {
  /** Whether its last publish was confirmed (true before any). */
  healthy: boolean
  /** Publishes that failed since start. */
  failures: number
}

/**
 * A broker transport: batches of a lane published and confirmed together (what the broker
 * confirmed before a failure counts). An outage and its end are logged once each.
 */
function transportDestination(transport: EventTransport, health: TransportHealth, retryForMs: number, logger: Logger): Destination {
  return {
    maxBatch: TRANSPORT_BATCH,
    retryForMs,
    failing: () => !health.healthy,
    deliver: async (deliveries: readonly DeliveryRecord[]) => {
      try {
        await transport.publish(deliveries.map(({ eventId, eventType, deviceId, body }) => ({ id: eventId, type: eventType, deviceId, body })))
        if (!health.healthy) logger.info({ transport: transport.id, target: transport.target }, 'event transport publishes again')
        health.healthy = true
        return { delivered: deliveries.length }
      } catch (error) {
        const reason = `${transport.target}: ${(error as Error).message}`
        if (health.healthy) logger.warn({ transport: transport.id, error: reason }, 'event transport failed; its events wait and are retried')
        health.healthy = false
        health.failures += 1
        return error instanceof PartialPublish
          ? { delivered: error.confirmed, error: reason, permanent: error.permanent }
          : { delivered: 0, error: reason }
      }
    },
  }
}

/** Resolves a queued delivery's destination: a configured transport by its id, else the webhook it names. */
export function eventDestinations(
  registry: WebhookRegistry,
  http: SafeFetcher,
  webhookTimeoutMs: number,
  transports: readonly EventTransport[],
  transportRetryForMs: number,
  logger: Logger,
): { destination: (id: string) => Promise<Destination | undefined>; health: Map<TransportId, TransportHealth> } {
  const health = new Map<TransportId, TransportHealth>()
  const byId = new Map<string, Destination>()
  for (const transport of transports) {
    const state: TransportHealth = { healthy: true, failures: 0 }
    health.set(transport.id, state)
    byId.set(transport.id, transportDestination(transport, state, transportRetryForMs, logger))
  }
  // One destination (its signing keys prepared) per webhook the registry hands out, for as long as it keeps it.
  const webhooks = new WeakMap<WebhookTarget, Destination>()
  return {
    health,
    destination: async (id) => {
      const transport = byId.get(id)
      if (transport) return transport
      const webhook = await registry.resolve(id)
      if (!webhook) return undefined
      let destination = webhooks.get(webhook)
      if (!destination) webhooks.set(webhook, (destination = webhookDestination(webhook.url, webhook.secret, http, webhookTimeoutMs)))
      return destination
    },
  }
}
