/**
 * One Server-Sent Events message: its `event` name (default "message"), the last event id so far
 * and its `data` lines joined; `data` is null for a block that only set the id (which the standard
 * keeps without dispatching anything: a reconnecting client sends it).
 */
export interface ServerSentEvent {
  event: string
  id: string | undefined
  data: string | null
}

/**
 * Splits a text/event-stream body into messages, as the HTML standard says: fields per line, a
 * blank line ends a message, comment lines (":") are keepalives.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  let buffered = ''
  let event = ''
  let id: string | undefined
  let idChanged = false
  let data: string[] = []
  const reader = body.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffered += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffered.search(/\r\n|\r|\n/)) !== -1) {
        // A CR that ends the chunk may be the first half of a CRLF split across two chunks.
        if (end === buffered.length - 1 && buffered[end] === '\r') break
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + (buffered.startsWith('\r\n', end) ? 2 : 1))
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', id, data: data.join('\n') }
          else if (idChanged) yield { event: '', id, data: null }
          event = ''
          idChanged = false
          data = []
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1))
        if (field === 'data') data.push(value)
        else if (field === 'event') event = value
        else if (field === 'id' && !value.includes('\0')) {
          id = value
          idChanged = true
        }
      }
    }
  } finally {
    reader.releaseLock()
  }
}
