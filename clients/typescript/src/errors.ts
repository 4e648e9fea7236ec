/** The error body every route answers with: `{ success: false, error, ... }`. */
export interface ErrorBody {
  success: false
  error: string
  connectionState?: string
  requestId?: string
  messageId?: string
  status?: string
  missingScope?: string
  [field: string]: unknown
}

/** The server answered with an error status; `message` is the server's own explanation. */
export class WhatsAppApiError extends Error {
  override readonly name = 'WhatsAppApiError'
  /** The server's answer in full, when it was JSON (else undefined). */
  readonly body: ErrorBody | undefined

  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    body: unknown,
    /** Seconds the server asked to wait (429, 503), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    const parsed = isErrorBody(body) ? body : undefined
    super(parsed?.error ?? (typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${status}`))
    this.body = parsed
  }

  /** On a 409: the session state that prevented the action. */
  get connectionState(): string | undefined {
    return this.body?.connectionState
  }

  /** On a 500: the id to quote when reporting the problem. */
  get requestId(): string | undefined {
    return this.body?.requestId
  }

  /** On a 502/503/504/507 of a send: the message that was stored, to look up later. */
  get messageId(): string | undefined {
    return this.body?.messageId
  }

  /** On a 403 to a named key: a scope that would allow the request. */
  get missingScope(): string | undefined {
    return this.body?.missingScope
  }
}

/** The server could not be reached (refused, reset, DNS, TLS, timeout): no answer at all. */
export class WhatsAppConnectionError extends Error {
  override readonly name = 'WhatsAppConnectionError'

  constructor(readonly method: string, readonly url: string, cause: unknown) {
    super(`${method} ${url} failed: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`, { cause })
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
}

/** Retry-After in seconds (a number, or an HTTP date), if the answer has one. */
export function retryAfterSeconds(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000)
}

/** The error for an answer with an error status (reads its body). */
export async function apiErrorOf(request: Request, response: Response): Promise<WhatsAppApiError> {
  const text = await response.text().catch(() => '')
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON (a proxy's page): the text is the message.
  }
  return new WhatsAppApiError(response.status, request.method, request.url, body, retryAfterSeconds(response))
}
