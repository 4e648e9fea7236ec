import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { ChatRepository } from '../store/ports.js'

/**
 * Keeps each group's name in the chat list current: a group the account created or joined appears
 * there under its subject, and a new subject (whoever set it) renames it.
 */
export function recordGroupNames(bus: EventBus, chats: ChatRepository, logger: Logger): () => void {
  const inOrder = new KeyedLock()
  return bus.subscribe('group.changed', ({ deviceId, event }) => {
    const named =
      event.kind === 'joined' && event.group.subject
        ? { jid: event.group.jid, change: { name: event.group.subject, lastActivity: Date.now() } }
        : event.kind === 'updated' && event.changes.subject !== undefined
          ? { jid: event.jid, change: { name: event.changes.subject } }
          : undefined
    if (!named) return
    inOrder
      .run(deviceId, () => chats.update(deviceId, [named]))
      .catch((error: unknown) => logger.warn({ err: error, deviceId, group: named.jid }, 'could not store a group\'s name'))
  })
}
