/** Recent events per session, kept in memory and bounded so a busy server cannot grow the page without limit. */

export const EVENTS_PER_SESSION = 50

export class EventLog {
  /** @type {Map<string, object[]>} newest first */
  #events = new Map()
  #listeners = new Set()

  add(event) {
    const list = this.#events.get(event.deviceId) ?? []
    list.unshift(event)
    if (list.length > EVENTS_PER_SESSION) list.length = EVENTS_PER_SESSION
    this.#events.set(event.deviceId, list)
    for (const listener of this.#listeners) listener(event)
  }

  of(deviceId) {
    return this.#events.get(deviceId) ?? []
  }

  forget(deviceId) {
    this.#events.delete(deviceId)
  }

  subscribe(listener) {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

/** One line of plain text describing an event. */
export function describeEvent(event) {
  const data = event.data ?? {}
  switch (event.type) {
    case 'session.status':
      return `State: ${data.state}${data.lastError ? ` (${data.lastError})` : ''}`
    case 'session.qr':
      return 'New QR code'
    case 'message.status':
      return `Message ${data.messageId}: ${data.status}${data.error ? ` (${data.error})` : ''}`
    case 'message.received': {
      const sender = data.sender?.pushName || data.sender?.phoneNumber || data.sender?.jid || data.chat
      const content = data.text ?? `[${data.type}]`
      return `From ${sender}: ${content}`
    }
    case 'message.sent':
      return `Sent from the phone to ${data.chat}: ${data.text ?? `[${data.type}]`}`
    case 'call.received':
      return `${data.isVideo ? 'Video call' : 'Call'} from ${data.from}`
    case 'chat.updated': {
      const changes = Object.keys(data).filter((key) => key !== 'chat' && key !== 'origin').join(', ')
      return `Chat ${data.chat} (${data.origin === 'device' ? 'on the phone' : 'through the API'}): ${changes}`
    }
    case 'label.updated': {
      const where = data.origin === 'device' ? 'on the phone' : 'through the API'
      if (data.change === 'saved') return `Label "${data.label?.name}" saved ${where}`
      if (data.change === 'deleted') return `Label ${data.labelId} deleted ${where}`
      return `Label ${data.labelId} ${data.change === 'chat-labeled' ? 'put on' : 'taken off'} ${data.chat} ${where}`
    }
    default:
      return event.type
  }
}
