import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib'
import { within } from '../../time.js'
import { BROKER_TIMEOUT_MS, type EventTransport, LazyConnection, withoutCredentials } from './event-transport.js'

export interface AmqpOptions {
  url: string
  /** A durable topic exchange, declared if missing. */
  exchange: string
}

/**
 * RabbitMQ (AMQP 0-9-1): persistent messages on a durable topic exchange, routing key
 * `<deviceId>.<type>`, the event id as message id, and publisher confirms awaited per batch.
 */
export function amqpTransport({ url, exchange }: AmqpOptions): EventTransport {
  const connection = new LazyConnection<{ model: ChannelModel; channel: ConfirmChannel }>(
    'RabbitMQ',
    async () => {
      const model = await connect(url, { timeout: BROKER_TIMEOUT_MS })
      // A broker that goes away is noticed on the next publish; without a listener 'error' would be thrown.
      model.on('error', () => undefined)
      try {
        const channel = await model.createConfirmChannel()
        channel.on('error', () => undefined)
        await channel.assertExchange(exchange, 'topic', { durable: true })
        return { model, channel }
      } catch (error) {
        destroy(model)
        throw error
      }
    },
    async ({ model }) => {
      // amqplib waits for the broker's answer to a close without a time limit: a silent broker gets its socket cut.
      await within(model.close(), BROKER_TIMEOUT_MS, 'RabbitMQ close').catch(() => destroy(model))
    },
  )
  return {
    id: 'amqp',
    target: `${withoutCredentials(url)} exchange ${exchange}`,
    publish: (events) =>
      connection.use(async ({ channel }) => {
        for (const event of events) {
          channel.publish(exchange, `${event.deviceId}.${event.type}`, Buffer.from(event.body), {
            persistent: true,
            messageId: event.id,
            type: event.type,
            contentType: 'application/json',
            timestamp: Math.floor(Date.now() / 1000),
            headers: { 'event-id': event.id, 'event-type': event.type, 'device-id': event.deviceId },
          })
        }
        await within(channel.waitForConfirms(), BROKER_TIMEOUT_MS, 'RabbitMQ')
      }),
    close: () => connection.close(),
  }
}

/** Cuts the connection's socket (amqplib keeps it on the connection object, outside its typings). */
function destroy(model: ChannelModel): void {
  ;(model.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy()
}
