/** A minimal client for the server's HTTP API, as an application uses it. */
export interface ApiResponse {
  status: number
  body: Record<string, unknown>
}

export interface SessionView {
  deviceId: string
  connectionState: string
}

export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly adminKey: string,
  ) {}

  async request(method: string, path: string, body?: unknown, key = this.adminKey): Promise<ApiResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  /** Like request, but anything other than `expected` is an error naming the call. */
  async expect(expected: number, method: string, path: string, body?: unknown, key?: string): Promise<Record<string, unknown>> {
    const response = await this.request(method, path, body, key)
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`)
    return response.body
  }

  async sessions(): Promise<SessionView[]> {
    return (await this.expect(200, 'GET', '/api/sessions')).sessions as SessionView[]
  }

  /** The sessions listed connected, a page of 1,000 at a time: ten thousand in one answer would stall the server it measures. */
  async connectedSessions(): Promise<SessionView[]> {
    const sessions: SessionView[] = []
    let cursor: string | null = null
    do {
      const page: Record<string, unknown> = await this.expect(200, 'GET', `/api/sessions?state=connected&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      sessions.push(...(page.sessions as SessionView[]))
      cursor = page.nextCursor as string | null
    } while (cursor !== null)
    return sessions
  }

  /**
   * Follows session.status on the admin event stream, as the dashboard does, until stopped;
   * resolves once the server confirmed the subscription, so no change after that is missed.
   */
  async watchStates(onState: (deviceId: string, state: string) => void): Promise<{ stop(): Promise<void> }> {
    const abort = new AbortController()
    const response = await fetch(`${this.baseUrl}/api/events?types=session.status`, { headers: { authorization: `Bearer ${this.adminKey}` }, signal: abort.signal })
    if (response.status !== 200) throw new Error(`GET /api/events: ${response.status}`)
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    let subscribed = false
    const read = async (): Promise<boolean> => {
      const { value, done } = await reader.read()
      if (done) return false
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n')
        buffer = buffer.slice(end + 2)
        subscribed ||= lines.includes(': connected')
        const data = lines.find((line) => line.startsWith('data: '))
        if (data) {
          const event = JSON.parse(data.slice(6)) as { deviceId: string; data: { state: string } }
          onState(event.deviceId, event.data.state)
        }
      }
      return true
    }
    while (!subscribed) if (!(await read())) throw new Error('GET /api/events ended before it connected')
    const loop = (async () => {
      while (await read().catch(() => false));
    })()
    return {
      async stop() {
        abort.abort()
        await loop
      },
    }
  }
}
