/**
 * The server's live event stream (SSE, authenticated by the session cookie). EventSource gives up
 * for good on some failures (an HTTP error, a server restart mid-handshake), so reconnection is
 * handled here, with backoff, and reported so the page can show it and catch up afterwards.
 */

const TYPES = ['session.status', 'session.qr', 'message.received', 'message.sent', 'message.status', 'chat.updated', 'call.received', 'label.updated']
const MAX_RETRY_MS = 15_000

export class EventStream {
  #source = null
  #retryMs = 1000
  #timer = 0
  #hadError = false

  /**
   * @param {{ onEvent: (event: object) => void,
   *           onState: (state: 'live'|'reconnecting') => void,
   *           onResumed: () => void }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers
  }

  open() {
    this.close()
    const source = new EventSource('/api/events')
    this.#source = source
    source.addEventListener('open', () => {
      this.#retryMs = 1000
      this.handlers.onState('live')
      // Events sent while disconnected are lost: the page reloads its state instead.
      if (this.#hadError) this.handlers.onResumed()
      this.#hadError = false
    })
    source.addEventListener('error', () => {
      if (this.#source !== source) return
      this.#hadError = true
      this.handlers.onState('reconnecting')
      source.close()
      this.#timer = setTimeout(() => this.open(), this.#retryMs)
      this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS)
    })
    for (const type of TYPES) {
      source.addEventListener(type, (message) => {
        try {
          this.handlers.onEvent(JSON.parse(message.data))
        } catch (error) {
          console.error('Unreadable event', error)
        }
      })
    }
  }

  close() {
    clearTimeout(this.#timer)
    this.#source?.close()
    this.#source = null
  }
}
