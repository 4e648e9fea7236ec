import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib'
import { BROKER_TIMEOUT_MS, type EventTransport, LazyConnection, within, withoutCredentials } from './event-transport.js'

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
    async () => {
      const model = await connect(url, { timeout: BROKER_TIMEOUT_MS })
      // A broker that goes away is noticed on the next publish; without a listener 'error' would be thrown.
      model.on('error', () => undefined)
      const channel = await model.createConfirmChannel()
      channel.on('error', () => undefined)
      await channel.assertExchange(exchange, 'topic', { durable: true })
      return { model, channel }
    },
    async ({ model }) => model.close(),
  )
  return {
    id: 'amqp',
    target: `${withoutCredentials(url)} exchange ${exchange}`,
    publish: async (events) => {
      try {
        const { channel } = await within(connection.get(), BROKER_TIMEOUT_MS, 'RabbitMQ')
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
      } catch (error) {
        await connection.reset()
        throw error
      }
    },
    close: () => connection.reset(),
  }
}
