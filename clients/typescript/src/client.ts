import createFetchClient, { type Client } from 'openapi-fetch'
import { apiErrorOf, WhatsAppConnectionError } from './errors.js'
import { eventStream, type EventStreamOptions } from './event-stream.js'
import type { EventEnvelope } from './event-types.js'
import type { components, paths } from './generated/openapi.js'
import { type RetryPolicy, retryingFetch } from './retries.js'

export type Schemas = components['schemas']
export type Session = Schemas['Session']
export type SessionKey = Schemas['SessionKey']
export type SendMessageRequest = Schemas['SendMessageRequest']
export type ChatMessage = Schemas['ChatMessage']
export type Group = Schemas['Group']
export type Contact = Schemas['Contact']
export type Webhook = Schemas['Webhook']

/** The JSON body of an operation's request. */
type Body<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  requestBody?: { content: { 'application/json': infer Json } }
} ? Json : never
/** The query parameters of an operation. */
type Query<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  parameters: { query?: infer Parameters }
} ? NonNullable<Parameters> : never

export interface ClientOptions {
  /** Where the server answers, e.g. http://localhost:3000 */
  baseUrl: string
  /** The admin key or a session key. */
  apiKey: string
  /** Retries on 429 and 503 (Retry-After honoured) and on failed connections for reads. */
  retry?: RetryPolicy
  /** Another fetch (a proxy agent, tests). */
  fetch?: typeof fetch
}

/**
 * A send's idempotency key, generated when the body has none, goes in the Idempotency-Key header:
 * the server sends once per key, and the retry layer sees that repeating the request is harmless.
 * A key a header cannot carry (beyond Latin-1) stays in the body, where the server reads it too.
 */
function idempotent<T extends { idempotencyKey?: string }>(body: T): { body: T | Omit<T, 'idempotencyKey'>; headers?: { 'idempotency-key': string } } {
  const { idempotencyKey = crypto.randomUUID(), ...rest } = body
  return /^[\x20-\x7e\xa0-\xff]*$/.test(idempotencyKey) ? { body: rest, headers: { 'idempotency-key': idempotencyKey } } : { body }
}

/** openapi-fetch's answer once errors throw: the data is there. */
async function data<T>(pending: Promise<{ data?: T; response: Response }>): Promise<T> {
  return (await pending).data as T
}

/**
 * The WhatsApp Multi-Session API. `http` reaches every route of the OpenAPI document, typed; the
 * groups below (sessions, messages, ...) cover the common ones. Every error answer throws
 * WhatsAppApiError (status, the server's message); no answer at all throws WhatsAppConnectionError.
 */
export class WhatsAppApi {
  /** Every route, typed from the server's OpenAPI document: `api.http.GET('/api/sessions/{deviceId}', { params: { path: { deviceId } } })`. */
  readonly http: Client<paths>
  private readonly baseUrl: string
  private readonly headers: Record<string, string>
  private readonly fetchOnce: typeof fetch

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.headers = { authorization: `Bearer ${options.apiKey}` }
    this.fetchOnce = options.fetch ?? globalThis.fetch
    this.http = createFetchClient<paths>({ baseUrl: this.baseUrl, headers: this.headers, fetch: retryingFetch(this.fetchOnce, options.retry) })
    this.http.use({
      onResponse: async ({ request, response }) => {
        if (!response.ok) throw await apiErrorOf(request, response)
        return undefined
      },
      onError: ({ request, error }) => (error instanceof Error && error.name === 'AbortError' ? error : new WhatsAppConnectionError(request.method, request.url, error)),
    })
  }

  readonly sessions = {
    /** Every session matching state and search (all of them without a filter). */
    list: (query: Omit<Query<'/api/sessions', 'get'>, 'limit' | 'cursor'> = {}) =>
      data(this.http.GET('/api/sessions', { params: { query } })).then((answer) => answer.sessions),
    /** One page of sessions, the number matching and nextCursor: pass it back as cursor for the next page (null on the last). */
    page: (query: Query<'/api/sessions', 'get'> & { limit: number }) => data(this.http.GET('/api/sessions', { params: { query } })),
    get: (deviceId: string) => data(this.http.GET('/api/sessions/{deviceId}', { params: { path: { deviceId } } })).then((answer) => answer.session),
    create: (deviceId: string, settings?: Body<'/api/sessions', 'post'>['settings']) =>
      data(this.http.POST('/api/sessions', { body: { deviceId, ...(settings ? { settings } : {}) } })).then((answer) => answer.session),
    delete: (deviceId: string) => data(this.http.DELETE('/api/sessions/{deviceId}', { params: { path: { deviceId } } })),
    start: (deviceId: string) => data(this.http.POST('/api/sessions/{deviceId}/start', { params: { path: { deviceId } } })),
    stop: (deviceId: string) => data(this.http.POST('/api/sessions/{deviceId}/stop', { params: { path: { deviceId } } })),
    restart: (deviceId: string) => data(this.http.POST('/api/sessions/{deviceId}/restart', { params: { path: { deviceId } } })),
    logout: (deviceId: string) => data(this.http.POST('/api/sessions/{deviceId}/logout', { params: { path: { deviceId } } })),
    /** The current QR code (409 once linked, or before the first one). */
    qr: (deviceId: string) => data(this.http.GET('/api/sessions/{deviceId}/qr', { params: { path: { deviceId } } })),
    /** A code to type on the phone (Linked devices > Link with phone number) instead of scanning. */
    pairingCode: (deviceId: string, phoneNumber: string) =>
      data(this.http.POST('/api/sessions/{deviceId}/pairing-code', { params: { path: { deviceId } }, body: { phoneNumber } })).then((answer) => answer.code),
    updateSettings: (deviceId: string, settings: Body<'/api/sessions/{deviceId}/settings', 'put'>) =>
      data(this.http.PUT('/api/sessions/{deviceId}/settings', { params: { path: { deviceId } }, body: settings })).then((answer) => answer.session),
    /** Generates (or sets) the session's own key, with every scope; shown only in this answer. */
    issueKey: (deviceId: string, apiKey?: string) =>
      data(this.http.PUT('/api/sessions/{deviceId}/api-key', { params: { path: { deviceId } }, body: apiKey === undefined ? {} : { apiKey } })).then((answer) => answer.apiKey),
  }

  readonly keys = {
    list: (deviceId: string) => data(this.http.GET('/api/sessions/{deviceId}/keys', { params: { path: { deviceId } } })).then((answer) => answer.keys),
    /** A named key with scopes; the key itself is shown only in this answer. */
    create: (deviceId: string, name: string, scopes: Body<'/api/sessions/{deviceId}/keys', 'post'>['scopes']) =>
      data(this.http.POST('/api/sessions/{deviceId}/keys', { params: { path: { deviceId } }, body: { name, scopes } })),
    revoke: (deviceId: string, keyId: string) => data(this.http.DELETE('/api/sessions/{deviceId}/keys/{keyId}', { params: { path: { deviceId, keyId } } })),
  }

  readonly messages = {
    /** Sends any kind of message; an idempotency key is added when the body has none. */
    send: (body: SendMessageRequest) => data(this.http.POST('/api/messages/send', idempotent(body))),
    sendText: (deviceId: string, to: string, text: string, extra: Omit<SendMessageRequest, 'deviceId' | 'number' | 'message'> = {}) =>
      this.messages.send({ ...extra, deviceId, number: to, message: text }),
    /** A sent message's status. */
    get: (messageId: string) => data(this.http.GET('/api/messages/{messageId}', { params: { path: { messageId } } })),
  }

  readonly numbers = {
    /** Which numbers are on WhatsApp. */
    check: (deviceId: string, numbers: string[]) =>
      data(this.http.POST('/api/sessions/{deviceId}/check-numbers', { params: { path: { deviceId } }, body: { numbers } })).then((answer) => answer.results),
  }

  readonly chats = {
    list: (deviceId: string, query: Query<'/api/sessions/{deviceId}/chats', 'get'> = {}) =>
      data(this.http.GET('/api/sessions/{deviceId}/chats', { params: { path: { deviceId }, query } })),
    /** Both sides of a chat, newest first. */
    messages: (deviceId: string, chat: string, query: Query<'/api/sessions/{deviceId}/chats/{chat}/messages', 'get'> = {}) =>
      data(this.http.GET('/api/sessions/{deviceId}/chats/{chat}/messages', { params: { path: { deviceId, chat }, query } })),
    /** Sends read receipts for the chat's unread messages (or the ones named). */
    markRead: (deviceId: string, chat: string, body: Body<'/api/sessions/{deviceId}/chats/{chat}/read', 'post'> = {}) =>
      data(this.http.POST('/api/sessions/{deviceId}/chats/{chat}/read', { params: { path: { deviceId, chat } }, body })),
  }

  readonly contacts = {
    list: (deviceId: string, query: Query<'/api/sessions/{deviceId}/contacts', 'get'> = {}) =>
      data(this.http.GET('/api/sessions/{deviceId}/contacts', { params: { path: { deviceId }, query } })),
    get: (deviceId: string, contact: string) =>
      data(this.http.GET('/api/sessions/{deviceId}/contacts/{contact}', { params: { path: { deviceId, contact } } })),
  }

  readonly groups = {
    list: (deviceId: string) => data(this.http.GET('/api/sessions/{deviceId}/groups', { params: { path: { deviceId } } })).then((answer) => answer.groups),
    get: (deviceId: string, group: string) =>
      data(this.http.GET('/api/sessions/{deviceId}/groups/{group}', { params: { path: { deviceId, group } } })).then((answer) => answer.group),
  }

  readonly webhooks = {
    list: (deviceId: string) => data(this.http.GET('/api/sessions/{deviceId}/webhooks', { params: { path: { deviceId } } })),
    /** The signing secret is shown only in this answer. */
    create: (deviceId: string, webhook: Body<'/api/sessions/{deviceId}/webhooks', 'post'>) =>
      data(this.http.POST('/api/sessions/{deviceId}/webhooks', { params: { path: { deviceId } }, body: webhook })),
    delete: (deviceId: string, webhookId: string) =>
      data(this.http.DELETE('/api/sessions/{deviceId}/webhooks/{webhookId}', { params: { path: { deviceId, webhookId } } })),
  }

  /**
   * The live event stream: `for await (const event of api.events({ deviceId }))`. Reconnects by
   * itself and resumes after the last event seen; stop with `break` or options.signal.
   */
  events(options: EventStreamOptions = {}): AsyncGenerator<EventEnvelope> {
    return eventStream({ url: this.baseUrl, headers: this.headers, fetch: this.fetchOnce }, options)
  }
}

export function createClient(options: ClientOptions): WhatsAppApi {
  return new WhatsAppApi(options)
}
