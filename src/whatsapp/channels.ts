import { getBinaryNodeChild, S_WHATSAPP_NET, type WASocket } from '@whiskeysockets/baileys'
import type { ChannelInfo, ChannelRole, Channels } from '../sessions/channels-port.js'

/** WhatsApp's media host, where a channel picture's direct path points. */
const MEDIA_HOST = 'https://mmg.whatsapp.net'
const ROLES: Record<string, ChannelRole> = { OWNER: 'owner', ADMIN: 'admin', SUBSCRIBER: 'subscriber', GUEST: 'guest' }

/**
 * w:mex GraphQL queries Baileys rc14 lacks (the followed list) or answers wrongly (its create
 * reads the picture of a channel that has none): query id and the data path of the answer.
 */
const SUBSCRIBED = ['6388546374527196', 'xwa2_newsletter_subscribed'] as const
const CREATE = ['8823471724422422', 'xwa2_newsletter_create'] as const

interface GraphQlAnswer {
  data?: Record<string, unknown>
  errors?: Array<{ message?: string; extensions?: { error_code?: number } }>
}

/** Shaped like Baileys' own query errors (a Boom): WhatsApp's code in output.statusCode. */
const queryError = (message: string, statusCode: number): Error => Object.assign(new Error(message), { output: { statusCode } })

/** Sends one w:mex query and answers its data, or throws WhatsApp's error code. */
async function mex(socket: WASocket, [queryId, path]: readonly [string, string], variables: Record<string, unknown>): Promise<unknown> {
  const answer = await socket.query({
    tag: 'iq',
    attrs: { id: socket.generateMessageTag(), type: 'get', to: S_WHATSAPP_NET, xmlns: 'w:mex' },
    content: [{ tag: 'query', attrs: { query_id: queryId }, content: Buffer.from(JSON.stringify({ variables }), 'utf8') }],
  })
  const result = getBinaryNodeChild(answer, 'result')?.content
  const parsed = (result instanceof Uint8Array ? JSON.parse(Buffer.from(result).toString('utf8')) : {}) as GraphQlAnswer
  const error = parsed.errors?.[0]
  if (error) throw queryError(error.message ?? 'WhatsApp refused the query', error.extensions?.error_code ?? 502)
  if (parsed.data?.[path] === undefined) throw queryError(`WhatsApp answered ${path} without data`, 502)
  return parsed.data[path]
}

type Raw = Record<string, any>

const numberOrNull = (value: unknown): number | null => {
  const parsed = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN
  return Number.isFinite(parsed) ? parsed : null
}

/** A channel as WhatsApp's GraphQL describes it (thread_metadata, viewer_metadata), in our terms. */
export function channelInfo(raw: Raw): ChannelInfo {
  const thread: Raw = raw.thread_metadata ?? {}
  const viewer: Raw = raw.viewer_metadata ?? {}
  const created = numberOrNull(thread.creation_time)
  const picture: string | undefined = thread.picture?.direct_path ?? thread.preview?.direct_path
  return {
    jid: String(raw.id),
    name: String(thread.name?.text ?? ''),
    description: thread.description?.text || null,
    inviteCode: thread.invite ?? null,
    subscribers: numberOrNull(thread.subscribers_count),
    verified: thread.verification === 'VERIFIED',
    pictureUrl: picture ? `${MEDIA_HOST}${picture}` : null,
    createdAt: created === null ? null : created * 1000,
    role: ROLES[viewer.role] ?? null,
    muted: viewer.mute === 'ON',
  }
}

/** Channels as w:mex queries: Baileys' own where they work, ours where rc14 lacks one. */
export function baileysChannels(socket: WASocket): Channels {
  return {
    followed: async () => {
      const list = await mex(socket, SUBSCRIBED, {})
      return (Array.isArray(list) ? (list as Raw[]) : []).map(channelInfo)
    },
    lookup: async (by) => {
      const raw = 'jid' in by ? await socket.newsletterMetadata('jid', by.jid) : await socket.newsletterMetadata('invite', by.inviteCode)
      return raw ? channelInfo(raw as unknown as Raw) : null
    },
    create: async (name, description) => channelInfo((await mex(socket, CREATE, { input: { name, description } })) as Raw),
    follow: async (jid) => void (await socket.newsletterFollow(jid)),
    unfollow: async (jid) => void (await socket.newsletterUnfollow(jid)),
    mute: async (jid) => void (await socket.newsletterMute(jid)),
    unmute: async (jid) => void (await socket.newsletterUnmute(jid)),
  }
}
