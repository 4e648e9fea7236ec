import { askWhatsAppQuery, invalidInput, type QueryErrors } from '../errors.js'
import type { MediaInput, MediaResolver } from '../messaging/media-resolver.js'
import { parseGroupJid, parsePerson } from '../messaging/recipient.js'
import { checkImage } from '../people/profile-service.js'
import type { GroupChanges, GroupInfo, GroupSummary, Groups, JoinRequest, ParticipantAction, ParticipantOutcome } from '../sessions/groups-port.js'
import type { SessionManager } from '../sessions/session-manager.js'

/** WhatsApp's limits: a subject of 100 characters, a description of 2,048 (as its apps enforce them). */
export const MAX_SUBJECT_LENGTH = 100
export const MAX_DESCRIPTION_LENGTH = 2048
export const MAX_PARTICIPANTS_PER_CALL = 256
/** Disappearing-message timers WhatsApp offers: off, 24 hours, 7 days, 90 days. */
export const EPHEMERAL_SECONDS = [0, 86_400, 604_800, 7_776_000] as const
const INVITE_LINK = 'https://chat.whatsapp.com/'
const INVITE_CODE = /^[A-Za-z0-9_-]{10,64}$/

export const PARTICIPANT_STATUSES = [
  'ok', 'invite_sent', 'not_allowed', 'not_on_whatsapp', 'already_member', 'not_member', 'left_recently', 'group_full', 'no_request', 'failed',
] as const
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number]

export interface ParticipantResult {
  /** As the caller gave it. */
  participant: string
  jid: string
  status: ParticipantStatus
  /** WhatsApp's code: 200 done, else why not. */
  code: number
  message: string
}

export interface GroupUpdate extends Omit<GroupChanges, 'picture'> {
  /** A picture to fetch (url or base64); null removes it. */
  picture?: MediaInput | null
}

/** What WhatsApp's error codes on a group query mean to a caller. */
const QUERY_ERRORS: QueryErrors = {
  400: ['invalid_input', 'WhatsApp refused the request as malformed'],
  401: ['forbidden', 'Only the group\'s admins may do this'],
  403: ['forbidden', 'This account is not a member of the group'],
  404: ['not_found', 'No such group (or this account was never in it)'],
  406: ['not_found', 'No group has this invite code (it was revoked or never existed)'],
  409: ['conflict', 'The group changed meanwhile; try again'],
  304: ['conflict', 'This account is already a member of the group'],
}

const askGroup = <T>(query: Promise<T>): Promise<T> => askWhatsAppQuery(query, QUERY_ERRORS)

function parseParticipants(inputs: string[]): Array<{ participant: string; jid: string }> {
  if (inputs.length === 0 || inputs.length > MAX_PARTICIPANTS_PER_CALL) throw invalidInput(`participants must list 1 to ${MAX_PARTICIPANTS_PER_CALL} numbers or JIDs`)
  const parsed = inputs.map((participant) => ({ participant, jid: parsePerson(participant, `${participant} is a group, not a person`) }))
  if (new Set(parsed.map((p) => p.jid)).size !== parsed.length) throw invalidInput('participants must not list the same person twice')
  return parsed
}

/** The code of an invite, given as the code itself or a chat.whatsapp.com link. */
export function parseInviteCode(input: string): string {
  const value = input.trim()
  const code = value.startsWith(INVITE_LINK) ? value.slice(INVITE_LINK.length).split(/[/?#]/)[0] ?? '' : value
  if (!INVITE_CODE.test(code)) throw invalidInput('Give an invite code or a https://chat.whatsapp.com/... link')
  return code
}

const STATUS_BY_CODE: Record<number, [ParticipantStatus, string]> = {
  200: ['ok', 'Done'],
  401: ['not_allowed', 'This account may not do that in this group'],
  403: ['not_allowed', 'Their privacy settings do not allow being added'],
  404: ['not_member', 'Not in the group, or not on WhatsApp'],
  406: ['not_allowed', 'The group\'s creator cannot be removed or demoted'],
  408: ['left_recently', 'They left the group recently and cannot be added back yet'],
  409: ['already_member', 'Already a member of the group'],
  500: ['group_full', 'The group is full'],
}

function resultOf(participant: string, jid: string, outcome: ParticipantOutcome, action: ParticipantAction | 'request'): ParticipantResult {
  const [status, message] = STATUS_BY_CODE[outcome.code] ?? ['failed', `WhatsApp refused it (code ${outcome.code})`]
  if (action === 'add' && outcome.code === 404) return { participant, jid, status: 'not_on_whatsapp', code: 404, message: 'Not on WhatsApp' }
  if (action === 'request' && outcome.code === 404) return { participant, jid, status: 'no_request', code: 404, message: 'No pending request to join from them' }
  if (outcome.code === 0) return { participant, jid, status: 'failed', code: 0, message: 'WhatsApp gave no answer for them' }
  return { participant, jid, status, code: outcome.code, message }
}

/** Groups of a session: metadata, creating, settings, members, invites, leaving and join requests. */
export class GroupService {
  constructor(
    private readonly manager: SessionManager,
    private readonly media: MediaResolver,
  ) {}

  private groups(deviceId: string): Groups {
    return this.manager.requireConnection(deviceId).groups
  }

  list(deviceId: string): Promise<GroupSummary[]> {
    return askGroup(this.groups(deviceId).list())
  }

  get(deviceId: string, group: string): Promise<GroupInfo> {
    return askGroup(this.groups(deviceId).metadata(parseGroupJid(group)))
  }

  /** Participants WhatsApp would not add right away are reported too, with why (and an invite sent where their privacy asks for one). */
  async create(deviceId: string, spec: { subject: string; participants: string[]; description?: string }): Promise<{ group: GroupInfo; participants: ParticipantResult[] }> {
    const subject = checkSubject(spec.subject)
    const description = spec.description === undefined ? undefined : checkDescription(spec.description)
    const asked = parseParticipants(spec.participants)
    const groups = this.groups(deviceId)
    const created = await askGroup(groups.create(subject, asked.map((p) => p.jid)))
    // The group exists now: a description WhatsApp refuses leaves it without one (null in the answer), not a failed create to retry.
    const described = description ? await groups.update(created.jid, { description }).then(() => true, () => false) : false
    const members = new Set(created.participants.flatMap((p) => [p.jid, p.lid]))
    const participants = asked.map(({ participant, jid }): ParticipantResult =>
      members.has(jid)
        ? { participant, jid, status: 'ok', code: 200, message: 'Done' }
        : { participant, jid, status: 'not_allowed', code: 403, message: 'Not added: not on WhatsApp, or their privacy settings do not allow it' })
    return { group: { ...created, description: described ? description! : created.description }, participants }
  }

  /** Applies each given setting; a picture is fetched and checked before anything changes. */
  async update(deviceId: string, group: string, update: GroupUpdate): Promise<void> {
    const jid = parseGroupJid(group)
    const changes: GroupChanges = {}
    if (update.subject !== undefined) changes.subject = checkSubject(update.subject)
    if (update.description !== undefined) changes.description = update.description === null || update.description === '' ? null : checkDescription(update.description)
    if (update.announceOnly !== undefined) changes.announceOnly = update.announceOnly
    if (update.locked !== undefined) changes.locked = update.locked
    if (update.joinApproval !== undefined) changes.joinApproval = update.joinApproval
    if (update.ephemeralSeconds !== undefined) {
      if (!(EPHEMERAL_SECONDS as readonly number[]).includes(update.ephemeralSeconds)) throw invalidInput(`ephemeralSeconds must be one of ${EPHEMERAL_SECONDS.join(', ')}`)
      changes.ephemeralSeconds = update.ephemeralSeconds
    }
    if (update.picture === null) changes.picture = null
    else if (update.picture !== undefined) {
      const picture = await this.media.resolve('image', update.picture)
      await checkImage(picture.data)
      changes.picture = picture.data
    }
    if (Object.keys(changes).length === 0) throw invalidInput('Give at least one of subject, description, announceOnly, locked, ephemeralSeconds, joinApproval or picture')
    const groups = this.groups(deviceId)
    await askGroup(groups.update(jid, changes))
  }

  /**
   * One result per participant. When someone's privacy refuses an add, WhatsApp hands out a
   * personal invite instead; it is sent to them and reported as invite_sent.
   */
  async changeParticipants(deviceId: string, group: string, action: ParticipantAction, inputs: string[]): Promise<ParticipantResult[]> {
    const jid = parseGroupJid(group)
    const asked = parseParticipants(inputs)
    const groups = this.groups(deviceId)
    const outcomes = await askGroup(groups.changeParticipants(jid, action, asked.map((p) => p.jid)))
    // The subject only labels the invites: the results stand even when it cannot be read.
    const invites = outcomes.some((o) => o.addRequest) ? await groups.metadata(jid).catch(() => ({ subject: '' })) : undefined
    return Promise.all(asked.map(async ({ participant, jid: personJid }, index) => {
      const outcome = outcomes[index]!
      const result = resultOf(participant, personJid, outcome, action)
      if (!outcome.addRequest || !invites) return result
      try {
        await groups.sendInvite({ to: personJid, group: jid, subject: invites.subject, code: outcome.addRequest.code, expiresAt: outcome.addRequest.expiresAt })
        return { ...result, status: 'invite_sent' as const, message: 'Their privacy settings do not allow being added: an invite to join was sent to them instead' }
      } catch (error) {
        return { ...result, message: `${result.message}; the invite could not be sent: ${(error as Error).message}` }
      }
    }))
  }

  async invite(deviceId: string, group: string): Promise<{ code: string; link: string }> {
    const code = await askGroup(this.groups(deviceId).inviteCode(parseGroupJid(group)))
    return { code, link: INVITE_LINK + code }
  }

  async revokeInvite(deviceId: string, group: string): Promise<{ code: string; link: string }> {
    const code = await askGroup(this.groups(deviceId).revokeInvite(parseGroupJid(group)))
    return { code, link: INVITE_LINK + code }
  }

  inviteInfo(deviceId: string, code: string): Promise<GroupInfo> {
    return askGroup(this.groups(deviceId).inviteInfo(parseInviteCode(code)))
  }

  /** Joins by code or link; a group that needs approval answers pendingApproval until an admin lets the account in. */
  async join(deviceId: string, codeOrLink: string): Promise<{ jid: string; pendingApproval: boolean }> {
    const code = parseInviteCode(codeOrLink)
    const groups = this.groups(deviceId)
    const preview = await askGroup(groups.inviteInfo(code))
    const joined = await askGroup(groups.join(code))
    return { jid: joined ?? preview.jid, pendingApproval: joined === null }
  }

  leave(deviceId: string, group: string): Promise<void> {
    return askGroup(this.groups(deviceId).leave(parseGroupJid(group)))
  }

  joinRequests(deviceId: string, group: string): Promise<JoinRequest[]> {
    return askGroup(this.groups(deviceId).joinRequests(parseGroupJid(group)))
  }

  async answerJoinRequests(deviceId: string, group: string, approve: boolean, inputs: string[]): Promise<ParticipantResult[]> {
    const jid = parseGroupJid(group)
    const asked = parseParticipants(inputs)
    const groups = this.groups(deviceId)
    // WhatsApp keys requests by LID: each person is named as the request named them.
    const pending = await askGroup(groups.joinRequests(jid))
    const named = asked.map(({ participant, jid: personJid }) => {
      const request = pending.find((r) => r.jid === personJid || r.lid === personJid)
      return { participant, jid: personJid, asWhatsApp: request?.lid ?? personJid }
    })
    const outcomes = await askGroup(groups.answerJoinRequests(jid, named.map((n) => n.asWhatsApp), approve))
    return named.map(({ participant, jid: personJid }, index) => resultOf(participant, personJid, outcomes[index]!, 'request'))
  }
}

function checkSubject(subject: string): string {
  const trimmed = subject.trim()
  if (trimmed.length === 0 || [...trimmed].length > MAX_SUBJECT_LENGTH) throw invalidInput(`subject must be 1 to ${MAX_SUBJECT_LENGTH} characters`)
  return trimmed
}

function checkDescription(description: string): string {
  if ([...description].length > MAX_DESCRIPTION_LENGTH) throw invalidInput(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`)
  return description
}
