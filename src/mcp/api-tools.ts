import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import type { KeyHolder } from '../http/auth.js'

/** One request to the REST API, made with the MCP caller's own key. */
export interface ApiRequest {
  method: 'GET' | 'POST'
  url: string
  body?: unknown
}
export interface ApiAnswer {
  status: number
  body: unknown
}
export type CallApi = (request: ApiRequest) => Promise<ApiAnswer>

const deviceIdInput = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional()
  .describe('The session (linked account) to act as; may be left out with a session key, which reaches only its own session')
const chatInput = z.string().min(1).max(128)
  // "." and ".." would be path segments that change which route a tool reaches.
  .refine((value) => value !== '.' && value !== '..', 'not a phone number or JID')
  .describe('Phone number with country code, or a JID (@s.whatsapp.net, @g.us, @lid)')

const path = (...parts: string[]): string => parts.map(encodeURIComponent).join('/')

class ToolRefusal extends Error {}

/** The REST answer as a tool result: its JSON on success, the server's error (and status) otherwise. */
function resultOf(answer: ApiAnswer, pick: (body: Record<string, unknown>) => unknown = (body) => body): CallToolResult {
  const body = (answer.body ?? {}) as Record<string, unknown>
  if (answer.status >= 200 && answer.status < 300) {
    return { content: [{ type: 'text', text: JSON.stringify(pick(body), null, 2) }] }
  }
  const error = typeof body.error === 'string' ? body.error : `HTTP ${answer.status}`
  return { isError: true, content: [{ type: 'text', text: `HTTP ${answer.status}: ${error}` }] }
}

const refusal = (message: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text: message }] })

/** A session summary an agent can read at a glance. */
function sessionLine(session: Record<string, unknown>): Record<string, unknown> {
  const { deviceId, connectionState, phoneNumber, pushName, isActive, lastError } = session
  return { deviceId, connectionState, phoneNumber, pushName, isActive, lastError }
}

/**
 * The tools an AI agent gets at /mcp. Each is a REST request made with the caller's own key, so
 * authentication, key scopes, validation, pacing, idempotency and cluster routing are the REST
 * API's own; a session key is held to its session here as well, with a clearer message.
 */
export function registerApiTools(server: McpServer, holder: KeyHolder, callApi: CallApi): void {
  const sessionOf = (deviceId: string | undefined): string => {
    if (holder.admin) {
      if (deviceId === undefined) throw new ToolRefusal('deviceId is required with the admin key (list_sessions names them)')
      return deviceId
    }
    if (deviceId !== undefined && deviceId !== holder.deviceId) {
      throw new ToolRefusal(`This key belongs to session "${holder.deviceId}"; it cannot reach session "${deviceId}"`)
    }
    return holder.deviceId
  }
  /** Runs a tool body; a refusal before any request becomes an error result, not a protocol error. */
  const guarded = <Input>(run: (input: Input) => Promise<CallToolResult>) => async (input: Input): Promise<CallToolResult> => {
    try {
      return await run(input)
    } catch (error) {
      if (error instanceof ToolRefusal) return refusal(error.message)
      throw error
    }
  }
  const readOnly = { readOnlyHint: true, openWorldHint: false }

  server.registerTool('list_sessions', {
    description: 'List the linked WhatsApp accounts (sessions) this key can reach, with their connection state and phone number',
    annotations: readOnly,
  }, guarded(async () => holder.admin
    ? resultOf(await callApi({ method: 'GET', url: '/api/sessions' }), (body) => (body.sessions as Array<Record<string, unknown>>).map(sessionLine))
    : resultOf(await callApi({ method: 'GET', url: `/api/sessions/${path(holder.deviceId)}` }), (body) => [sessionLine(body.session as Record<string, unknown>)])))

  server.registerTool('send_message', {
    description: 'Send a WhatsApp message: text, media by URL (image, video, audio, document), a location, a reply, or a reaction. ' +
      'Sent through the session\'s outbox with its pacing; pass an idempotencyKey to make a retried call harmless.',
    inputSchema: {
      deviceId: deviceIdInput,
      to: chatInput,
      text: z.string().min(1).max(65_536).optional().describe('Text of the message; with media, its caption (unless media.caption is given)'),
      media: z.object({
        type: z.enum(['image', 'video', 'audio', 'document']),
        url: z.string().url().max(2048).describe('An https URL the server fetches the file from'),
        caption: z.string().max(4096).optional(),
        fileName: z.string().max(255).optional(),
        mimetype: z.string().max(255).optional(),
      }).optional(),
      location: z.object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().max(256).optional(),
        address: z.string().max(512).optional(),
      }).optional(),
      replyTo: z.string().min(1).max(128).optional().describe('Id of a message in this chat to reply to'),
      reaction: z.object({
        messageId: z.string().min(1).max(128),
        emoji: z.string().max(32).describe('Empty removes the reaction'),
      }).optional().describe('React to a message of this chat instead of sending one'),
      idempotencyKey: z.string().min(1).max(200).optional().describe('The same key sends the message once, however often the call is repeated'),
    },
    annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }, guarded(async (input) => {
    const { media, text, to, deviceId, ...rest } = input
    const body: Record<string, unknown> = { ...rest, deviceId: sessionOf(deviceId), number: to }
    if (media !== undefined) {
      const { type, ...file } = media
      if (text !== undefined && (type === 'audio' || file.caption !== undefined)) {
        throw new ToolRefusal(type === 'audio' ? 'An audio file has no caption: send the text as its own message' : 'Give the caption once: text or media.caption')
      }
      body[type] = { ...file, ...(text === undefined ? {} : { caption: text }) }
    } else if (text !== undefined) {
      body.message = text
    }
    return resultOf(await callApi({ method: 'POST', url: '/api/messages/send', body }))
  }))

  server.registerTool('check_numbers', {
    description: 'Check which phone numbers have WhatsApp',
    inputSchema: { deviceId: deviceIdInput, numbers: z.array(z.string().min(1).max(64)).min(1).max(50) },
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, guarded(async ({ deviceId, numbers }) =>
    resultOf(await callApi({ method: 'POST', url: `/api/sessions/${path(sessionOf(deviceId))}/check-numbers`, body: { numbers } }), (body) => body.results)))

  server.registerTool('list_chats', {
    description: 'The session\'s chats, pinned first then most recent, with unread counts and the last message',
    inputSchema: { deviceId: deviceIdInput, limit: z.number().int().min(1).max(500).optional() },
    annotations: readOnly,
  }, guarded(async ({ deviceId, limit }) =>
    resultOf(await callApi({ method: 'GET', url: `/api/sessions/${path(sessionOf(deviceId))}/chats${limit === undefined ? '' : `?limit=${limit}`}` }), (body) => body.chats)))

  server.registerTool('read_messages', {
    description: 'The recent messages of one chat, both sides (received and sent), newest first',
    inputSchema: {
      deviceId: deviceIdInput,
      chat: chatInput,
      limit: z.number().int().min(1).max(500).optional().describe('How many (default 50)'),
      before: z.string().datetime().optional().describe('Only messages sent before this time (ISO 8601), to page back'),
    },
    annotations: readOnly,
  }, guarded(async ({ deviceId, chat, limit, before }) => {
    const query = new URLSearchParams()
    if (limit !== undefined) query.set('limit', String(limit))
    if (before !== undefined) query.set('before', before)
    const url = `/api/sessions/${path(sessionOf(deviceId), 'chats', chat, 'messages')}${query.size > 0 ? `?${query}` : ''}`
    return resultOf(await callApi({ method: 'GET', url }), (body) => body.messages)
  }))

  server.registerTool('mark_read', {
    description: 'Mark a chat\'s received messages read (sends read receipts: blue ticks), all unread ones or those named',
    inputSchema: { deviceId: deviceIdInput, chat: chatInput, messageIds: z.array(z.string().min(1).max(128)).min(1).max(500).optional() },
    annotations: { idempotentHint: true, openWorldHint: true },
  }, guarded(async ({ deviceId, chat, messageIds }) =>
    resultOf(await callApi({ method: 'POST', url: `/api/sessions/${path(sessionOf(deviceId), 'chats', chat, 'read')}`, body: messageIds === undefined ? {} : { messageIds } }))))

  server.registerTool('list_groups', {
    description: 'The groups the session is a member of, with names and sizes',
    inputSchema: { deviceId: deviceIdInput },
    annotations: readOnly,
  }, guarded(async ({ deviceId }) =>
    resultOf(await callApi({ method: 'GET', url: `/api/sessions/${path(sessionOf(deviceId))}/groups` }), (body) => body.groups)))

  server.registerTool('get_contact', {
    description: 'Look a person up: whether they are on WhatsApp, phone number and LID, names, "about", picture',
    inputSchema: { deviceId: deviceIdInput, contact: chatInput },
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, guarded(async ({ deviceId, contact }) =>
    resultOf(await callApi({ method: 'GET', url: `/api/sessions/${path(sessionOf(deviceId), 'contacts', contact)}` }))))
}
