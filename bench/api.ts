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
}
