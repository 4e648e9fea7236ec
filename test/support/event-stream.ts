import assert from 'node:assert/strict'

export interface StreamedEvent {
  id: string
  type: string
  deviceId: string
  data: any
}

/**
 * Reads a server-sent event stream until `done` says the events so far are enough; `afterConnect`
 * runs once the server confirmed the subscription, so nothing it triggers can be missed.
 */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  done: (events: StreamedEvent[]) => boolean,
  afterConnect: () => void,
): Promise<StreamedEvent[]> {
  const response = await fetch(url, { headers })
  assert.equal(response.status, 200)
  assert.match(String(response.headers.get('content-type')), /text\/event-stream/)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const events: StreamedEvent[] = []
  let buffer = ''
  let connected = false
  while (!done(events)) {
    const { value, done: ended } = await reader.read()
    if (ended) break
    buffer += decoder.decode(value, { stream: true })
    if (!connected && buffer.includes(': connected')) {
      connected = true
      afterConnect()
    }
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = block.split('\n').find((line) => line.startsWith('data: '))
      if (data) events.push(JSON.parse(data.slice(6)) as StreamedEvent)
    }
  }
  await reader.cancel()
  return events
}
