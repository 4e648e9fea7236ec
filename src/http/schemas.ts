import { Type } from 'typebox'
import { CONNECTION_STATES, type ConnectionState as ConnectionStateName } from '../sessions/session-runtime.js'

/** Custom keyword read by the error handler to replace AJV's generic wording. */
const message = (errorMessage: string) => ({ errorMessage })

export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'

export const DeviceId = Type.String({
  pattern: DEVICE_ID_PATTERN,
  description: '1 to 64 letters, digits, "-" or "_"',
  examples: ['device-001'],
  ...message('deviceId must be 1 to 64 letters, digits, "-" or "_"'),
})

export const DeviceIdParams = Type.Object({ deviceId: DeviceId })

export const Chat = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Phone number or JID (@s.whatsapp.net, @lid, @g.us, @newsletter)',
  examples: ['+1 555 123 4567', '120363012345678901@g.us'],
})
export const ChatParams = Type.Object({ deviceId: DeviceId, chat: Chat })
export const Done = Type.Object({ success: Type.Literal(true) })

export const ErrorResponse = Type.Object({
  success: Type.Literal(false),
  error: Type.String(),
  connectionState: Type.Optional(Type.String({ description: 'On 409: the state that prevented the action' })),
  requestId: Type.Optional(Type.String({ description: 'On 500: quote it when reporting the problem' })),
  messageId: Type.Optional(Type.String({ description: 'On 502/503/504/507 of a send: the message, to look up later' })),
  status: Type.Optional(Type.String({ description: 'On 502/504 of a send: the message status' })),
  missingScope: Type.Optional(Type.String({ description: 'On 403 to a session\'s named key: a scope that would allow the request' })),
}, { title: 'Error' })

export const ConnectionState = Type.Unsafe<ConnectionStateName>({
  type: 'string',
  enum: [...CONNECTION_STATES],
  description: 'The live state of the connection',
})

const IgnoredKindsView = Type.Object({
  groups: Type.Boolean({ description: 'Messages in groups' }),
  status: Type.Boolean({ description: 'Contacts\' status updates (status@broadcast)' }),
  channels: Type.Boolean({ description: 'Channel (newsletter) posts' }),
  broadcast: Type.Boolean({ description: 'Broadcast-list messages' }),
}, { title: 'IgnoredKinds' })

const SessionSettingsView = Type.Object({
  sendRatePerMinute: Type.Union([Type.Integer(), Type.Null()]),
  rejectCalls: Type.Boolean(),
  rejectCallMessage: Type.Union([Type.String(), Type.Null()]),
  proxy: Type.Union([Type.String(), Type.Null()], { description: 'The session\'s own proxy, password masked; null uses WHATSAPP_PROXY (or none)' }),
  markOnline: Type.Boolean(),
  autoRead: Type.Boolean(),
  ignore: IgnoredKindsView,
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  deviceName: Type.Union([Type.String(), Type.Null()], { description: 'Null uses DEVICE_NAME' }),
}, { title: 'SessionSettings' })

const sessionFields = {
  deviceId: Type.String(),
  connectionState: ConnectionState,
  hasApiKey: Type.Boolean(),
  apiKeyMasked: Type.Union([Type.String(), Type.Null()]),
  phoneNumber: Type.Union([Type.String(), Type.Null()]),
  pushName: Type.Union([Type.String(), Type.Null()]),
  isActive: Type.Boolean(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  sendRatePerMinute: Type.Union([Type.Integer(), Type.Null()], { description: 'Own pacing; null uses SEND_RATE_PER_MINUTE' }),
  rejectCalls: Type.Boolean({ description: 'Every incoming call is rejected as it rings' }),
  rejectCallMessage: Type.Union([Type.String(), Type.Null()], { description: 'Texted to the caller after a rejected call' }),
  settings: SessionSettingsView,
  createdAt: Type.String({ format: 'date-time' }),
}

export const SessionSummary = Type.Object(sessionFields, { title: 'Session' })

export const SessionResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.Optional(Type.String()),
  session: SessionSummary,
})

export const SuccessMessage = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
})

type SecurityRequirements = Array<Record<string, string[]>>

/** Where keys may be presented, for the OpenAPI document: a Bearer token or X-Api-Key. */
export const KEY_SECURITY: SecurityRequirements = [{ bearerAuth: [] }, { apiKeyHeader: [] }]
/** The same, plus ?apiKey= for the routes that accept it. */
export const KEY_OR_QUERY_SECURITY: SecurityRequirements = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { apiKeyQuery: [] }]
