import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { ChatEvent } from '../sessions/whatsapp-port.js'
import type { ChatRepository, InboundMessageRepository } from '../store/ports.js'
import { type ChatUpdate, mutedUntilView } from './chat-update.js'
import { MAX_READ_PER_REQUEST } from './conversations.js'

/** What chat.updated says about one change. */
function describe(event: ChatEvent): Omit<ChatUpdate, 'origin'> {
  switch (event.kind) {
    case 'chat': {
      const { archived, pinnedAt, mutedUntil, markedUnread } = event.change
      return {
        chat: event.jid,
        ...(archived === undefined ? {} : { archived }),
        ...(pinnedAt === undefined ? {} : { pinned: pinnedAt > 0 }),
        ...(mutedUntil === undefined ? {} : { mutedUntil: mutedUntilView(mutedUntil) }),
        ...(markedUnread === undefined ? {} : { markedUnread }),
      }
    }
    case 'chat-deleted':
      return { chat: event.jid, deleted: true }
    case 'message-starred':
      return { chat: event.jid, message: { id: event.messageId, starred: event.starred } }
    case 'message-deleted':
      return { chat: event.jid, message: { id: event.messageId, deletedForMe: true } }
  }
}

/**
 * Records chat changes, made through the API or on another device, then announces each as
 * chat.updated. A chat read on another device has its stored received messages marked read.
 */
export class ChatLedger {
  constructor(
    private readonly chats: ChatRepository,
    private readonly inbound: InboundMessageRepository,
    private readonly bus: EventBus,
  ) {}

  async record(deviceId: string, event: ChatEvent, origin: ChatUpdate['origin']): Promise<void> {
    const now = Date.now()
    switch (event.kind) {
      case 'chat':
        await this.chats.update(deviceId, [{ jid: event.jid, change: event.change }])
        if (origin === 'device' && event.change.markedUnread === false) await this.readElsewhere(deviceId, event.jid, now)
        break
      case 'chat-deleted':
        await this.chats.clear(deviceId, event.jid, now)
        break
      case 'message-starred':
        await this.chats.markMessage(deviceId, event.messageId, { starred: event.starred })
        break
      case 'message-deleted':
        await this.chats.markMessage(deviceId, event.messageId, { hidden: true })
        break
    }
    this.bus.publish('chat.updated', { deviceId, origin, ...describe(event) })
  }

  private async readElsewhere(deviceId: string, chat: string, now: number): Promise<void> {
    const unread = await this.inbound.unread(deviceId, chat, MAX_READ_PER_REQUEST)
    if (unread.length > 0) await this.inbound.markRead(deviceId, unread.map((record) => record.id), now)
  }

  /** Records what other devices of each session change, in the order they changed it. */
  listen(logger: Logger): () => void {
    const inOrder = new KeyedLock()
    return this.bus.subscribe('engine.chat-events', ({ deviceId, events }) => {
      inOrder
        .run(deviceId, async () => {
          for (const event of events) await this.record(deviceId, event, 'device')
        })
        .catch((error: unknown) => logger.error({ err: error, deviceId }, 'could not store a chat change made on another device'))
    })
  }
}
