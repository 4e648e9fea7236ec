import {
  generateWAMessageFromContent,
  type GroupMetadata,
  type GroupParticipant as BaileysParticipant,
  isJidGroup,
  isLidUser,
  jidDecode,
  jidNormalizedUser,
  proto,
  type WAMessage,
  WAMessageStubType,
  type WASocket,
} from '@whiskeysockets/baileys'
import type {
  GroupEvent,
  GroupInfo,
  GroupMember,
  GroupParticipant,
  Groups,
  ParticipantOutcome,
} from '../sessions/groups-port.js'
import type { GroupMetadataCache } from './group-metadata-cache.js'
import { InOrder } from './lid-to-phone.js'

/** A person as WhatsApp named them: a LID and/or a phone number; the phone number is the JID where known. */
function member(id: string | null | undefined, alt?: string | null): GroupMember | null {
  const jids = [id, alt].filter((jid): jid is string => Boolean(jid)).map((jid) => jidNormalizedUser(jid))
  if (jids.length === 0) return null
  const phoneJid = jids.find((jid) => !isLidUser(jid)) ?? null
  const lid = jids.find((jid) => isLidUser(jid)) ?? null
  return { jid: phoneJid ?? lid!, phoneNumber: phoneJid ? (jidDecode(phoneJid)?.user ?? null) : null, lid }
}

function participantOf(p: BaileysParticipant): GroupParticipant {
  return { ...member(p.id, p.phoneNumber ?? p.lid)!, admin: p.admin === 'admin' || p.admin === 'superadmin' ? p.admin : null }
}

export function toGroupInfo(meta: GroupMetadata): GroupInfo {
  return {
    jid: meta.id,
    subject: meta.subject,
    description: meta.desc ?? null,
    owner: member(meta.owner, meta.ownerPn)?.jid ?? null,
    createdAt: meta.creation ? meta.creation * 1000 : null,
    announceOnly: Boolean(meta.announce),
    locked: Boolean(meta.restrict),
    ephemeralSeconds: meta.ephemeralDuration ?? 0,
    joinApproval: Boolean(meta.joinApprovalMode),
    size: meta.size ?? meta.participants.length,
    participants: meta.participants.map(participantOf),
  }
}

/** A participant of a w:gp2 notification, as Baileys hands it on (a JSON stub parameter). */
function stubParticipant(parameter: string): BaileysParticipant | null {
  try {
    const parsed = JSON.parse(parameter) as BaileysParticipant
    return typeof parsed?.id === 'string' ? parsed : null
  } catch {
    return null
  }
}

const PARTICIPANT_STUBS = new Map<number, 'add' | 'remove' | 'promote' | 'demote' | 'leave'>([
  [WAMessageStubType.GROUP_PARTICIPANT_ADD, 'add'],
  [WAMessageStubType.GROUP_PARTICIPANT_ADD_REQUEST_JOIN, 'add'],
  [WAMessageStubType.GROUP_PARTICIPANT_REMOVE, 'remove'],
  [WAMessageStubType.GROUP_PARTICIPANT_LEAVE, 'leave'],
  [WAMessageStubType.GROUP_PARTICIPANT_PROMOTE, 'promote'],
  [WAMessageStubType.GROUP_PARTICIPANT_DEMOTE, 'demote'],
])

const isOn = (value: string | undefined): boolean => value === 'on' || value === 'true'

/** The setting a w:gp2 stub changed, or undefined when it is not one we report. */
function settingChange(message: WAMessage): Extract<GroupEvent, { kind: 'updated' }>['changes'] | undefined {
  const first = message.messageStubParameters?.[0]
  switch (message.messageStubType) {
    case WAMessageStubType.GROUP_CHANGE_SUBJECT:
      return { subject: first ?? '' }
    case WAMessageStubType.GROUP_CHANGE_DESCRIPTION:
      return { description: first ?? null }
    case WAMessageStubType.GROUP_CHANGE_ANNOUNCE:
      return { announceOnly: isOn(first) }
    case WAMessageStubType.GROUP_CHANGE_RESTRICT:
      return { locked: isOn(first) }
    case WAMessageStubType.GROUP_MEMBERSHIP_JOIN_APPROVAL_MODE:
      return { joinApproval: isOn(first) }
    case WAMessageStubType.GROUP_CHANGE_ICON:
      return { picture: first ? 'set' : 'removed' }
  }
  const protocol = message.message?.protocolMessage
  if (protocol?.type === proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING) return { ephemeralSeconds: protocol.ephemeralExpiration ?? 0 }
  return undefined
}

function isSamePerson(p: BaileysParticipant, m: GroupMember): boolean {
  const known = new Set([m.jid, m.lid])
  return [p.id, p.phoneNumber, p.lid].some((jid) => jid && known.has(jidNormalizedUser(jid)))
}

/**
 * Applies a reported change to the cached metadata, so sends keep using it without a new query;
 * undefined when the entry should be read again instead. A disappearing-messages change comes as a
 * message any member can forge, and its timer goes on every send: it is re-read, never trusted.
 */
export function patchedMetadata(meta: GroupMetadata, event: GroupEvent): GroupMetadata | undefined {
  if (event.kind === 'updated' && event.changes.ephemeralSeconds !== undefined) return undefined
  if (event.kind === 'updated') {
    const { changes } = event
    return {
      ...meta,
      ...(changes.subject !== undefined ? { subject: changes.subject } : {}),
      ...(changes.description !== undefined ? { desc: changes.description ?? undefined } : {}),
      ...(changes.announceOnly !== undefined ? { announce: changes.announceOnly } : {}),
      ...(changes.locked !== undefined ? { restrict: changes.locked } : {}),
      ...(changes.joinApproval !== undefined ? { joinApprovalMode: changes.joinApproval } : {}),
    }
  }
  if (event.kind !== 'participants') return meta
  const affected = (p: BaileysParticipant) => event.participants.some((m) => isSamePerson(p, m))
  let participants: BaileysParticipant[]
  switch (event.action) {
    case 'add': {
      // New members are addressed as the group addresses everyone (LID or phone number); without that address, re-read.
      const lidGroup = meta.addressingMode === 'lid'
      const fresh = event.participants.filter((m) => !meta.participants.some((p) => isSamePerson(p, m)))
      if (fresh.some((m) => (lidGroup ? !m.lid : !m.phoneNumber))) return undefined
      const added = fresh.map((m): BaileysParticipant =>
        lidGroup
          ? { id: m.lid!, ...(m.phoneNumber ? { phoneNumber: m.jid } : {}), admin: null }
          : { id: m.jid, ...(m.lid ? { lid: m.lid } : {}), admin: null })
      participants = [...meta.participants, ...added]
      break
    }
    case 'remove':
    case 'leave':
      participants = meta.participants.filter((p) => !affected(p))
      break
    case 'promote':
    case 'demote':
      participants = meta.participants.map((p) => (affected(p) ? { ...p, admin: event.action === 'promote' ? 'admin' : null } : p))
      break
  }
  return { ...meta, participants, size: participants.length }
}

/**
 * Turns the group notifications Baileys passes on as stub messages into group events, keeping the
 * metadata cache current from them. Joining a group (added, created, by link) reads its metadata once.
 */
export function forwardGroupEvents(socket: WASocket, cache: GroupMetadataCache, onEvent: (event: GroupEvent) => void): void {
  const mine = (): string[] => {
    const me = socket.authState.creds.me
    return [me?.id, me?.lid].filter((jid): jid is string => Boolean(jid)).map((jid) => jidNormalizedUser(jid))
  }
  const isMe = (m: GroupMember) => mine().includes(m.jid) || (m.lid !== null && mine().includes(m.lid))
  /** A person WhatsApp named by LID only, with the phone number the group's members list (or Baileys' LID store) gives. */
  const withPhone = async (m: GroupMember | null, jid: string): Promise<GroupMember | null> => {
    if (!m?.lid || m.phoneNumber) return m
    const known = cache.get(jid)?.participants.find((p) => [p.id, p.lid].some((id) => id && jidNormalizedUser(id) === m.lid))
    if (known?.phoneNumber) return member(m.lid, known.phoneNumber)
    if (isMe(m)) return member(m.lid, socket.authState.creds.me?.id)
    const phoneJid = await socket.signalRepository.lidMapping.getPNForLID(m.lid).catch(() => null)
    return phoneJid ? member(m.lid, phoneJid) : m
  }
  const inTurn = new InOrder()
  /** Names people by phone number, patches the cache, then reports; one event after another, as they came. */
  const report = (event: GroupEvent): void =>
    inTurn.run(async () => {
      const jid = event.kind === 'joined' ? event.group.jid : event.jid
      const by = await withPhone(event.by, jid)
      const resolved: GroupEvent = event.kind === 'participants'
        ? { ...event, by, participants: await Promise.all(event.participants.map(async (p) => (await withPhone(p, jid))!)) }
        : { ...event, by }
      const cached = cache.get(jid)
      const left = resolved.kind === 'participants' && (resolved.action === 'remove' || resolved.action === 'leave') && resolved.participants.some(isMe)
      const patched = cached && resolved.kind !== 'joined' && !left ? patchedMetadata(cached, resolved) : undefined
      if (patched) cache.set(jid, patched)
      else if (cached && resolved.kind !== 'joined') cache.delete(jid)
      onEvent(resolved)
      if (resolved.kind === 'participants' && resolved.action === 'add' && resolved.participants.some(isMe)) {
        const meta = await socket.groupMetadata(jid).catch(() => undefined)
        if (meta) cache.set(jid, meta)
        onEvent({ kind: 'joined', group: meta ? toGroupInfo(meta) : emptyInfo(jid), by })
      }
    })
  socket.ev.on('groups.upsert', (groups) => {
    for (const meta of groups) {
      cache.set(meta.id, meta)
      const author = meta as GroupMetadata & { author?: string; authorPn?: string }
      report({ kind: 'joined', group: toGroupInfo(meta), by: member(author.author, author.authorPn) })
    }
  })
  socket.ev.on('messages.upsert', ({ messages }) => {
    for (const message of messages) {
      const jid = message.key.remoteJid
      if (!jid || !isJidGroup(jid)) continue
      const by = member(message.key.participant, message.key.participantAlt)
      const action = message.messageStubType ? PARTICIPANT_STUBS.get(message.messageStubType) : undefined
      if (action) {
        const participants = (message.messageStubParameters ?? []).flatMap((parameter: string): GroupMember[] => {
          const p = stubParticipant(parameter)
          return p ? [member(p.id, p.phoneNumber ?? p.lid)!] : []
        })
        report({ kind: 'participants', jid, action, participants, by })
        continue
      }
      const changes = settingChange(message)
      if (changes) report({ kind: 'updated', jid, changes, by })
    }
  })
}

/** What is known of a group whose metadata could not be read right after joining. */
function emptyInfo(jid: string): GroupInfo {
  return { jid, subject: '', description: null, owner: null, createdAt: null, announceOnly: false, locked: false, ephemeralSeconds: 0, joinApproval: false, size: 0, participants: [] }
}

function outcomes(asked: string[], answered: Array<{ jid?: string; status: string; content?: { content?: unknown } }>): ParticipantOutcome[] {
  const byJid = new Map(answered.map((a) => [a.jid ? jidNormalizedUser(a.jid) : '', a]))
  return asked.map((jid) => {
    const answer = byJid.get(jidNormalizedUser(jid))
    const request = Array.isArray(answer?.content?.content)
      ? (answer.content.content as Array<{ tag: string; attrs: Record<string, string> }>).find((node) => node.tag === 'add_request')
      : undefined
    return {
      jid,
      code: answer ? Number(answer.status) || 0 : 0,
      addRequest: request?.attrs.code ? { code: request.attrs.code, expiresAt: Number(request.attrs.expiration ?? 0) * 1000 } : null,
    }
  })
}

/** Groups through one Baileys socket; metadata comes from the cache the notifications keep current. */
export function baileysGroups(socket: WASocket, cache: GroupMetadataCache): Groups {
  const metadata = (jid: string) => readThrough(socket, cache, jid)
  return {
    list: async () =>
      Object.values(await socket.groupFetchAllParticipating()).map((group) => ({
        jid: group.id,
        name: group.subject,
        size: group.size ?? group.participants.length,
        description: group.desc ?? null,
        createdAt: group.creation ? group.creation * 1000 : null,
        announceOnly: group.announce ?? false,
      })),
    metadata: async (jid) => toGroupInfo(await metadata(jid)),
    create: async (subject, participants) => {
      const meta = await socket.groupCreate(subject, participants)
      cache.set(meta.id, meta)
      return toGroupInfo(meta)
    },
    update: async (jid, changes) => {
      if (changes.subject !== undefined) await socket.groupUpdateSubject(jid, changes.subject)
      if (changes.description !== undefined) await socket.groupUpdateDescription(jid, changes.description ?? undefined)
      if (changes.announceOnly !== undefined) await socket.groupSettingUpdate(jid, changes.announceOnly ? 'announcement' : 'not_announcement')
      if (changes.locked !== undefined) await socket.groupSettingUpdate(jid, changes.locked ? 'locked' : 'unlocked')
      if (changes.ephemeralSeconds !== undefined) await socket.groupToggleEphemeral(jid, changes.ephemeralSeconds)
      if (changes.joinApproval !== undefined) await socket.groupJoinApprovalMode(jid, changes.joinApproval ? 'on' : 'off')
      if (changes.picture === null) await socket.removeProfilePicture(jid)
      else if (changes.picture) await socket.updateProfilePicture(jid, changes.picture)
    },
    changeParticipants: async (jid, action, participants) => outcomes(participants, await socket.groupParticipantsUpdate(jid, participants, action)),
    // Built by hand: Baileys' own groupInvite content fetches the group picture first and fails when there is none.
    sendInvite: async ({ to, group, subject, code, expiresAt }) => {
      const invite = generateWAMessageFromContent(to, {
        groupInviteMessage: { groupJid: group, groupName: subject, inviteCode: code, inviteExpiration: Math.floor(expiresAt / 1000), caption: 'Invitation to join my WhatsApp group' },
      }, { userJid: socket.authState.creds.me?.id ?? '' })
      await socket.relayMessage(to, invite.message!, { messageId: invite.key.id! })
    },
    inviteCode: async (jid) => {
      const code = await socket.groupInviteCode(jid)
      if (!code) throw new Error('WhatsApp gave no invite code')
      return code
    },
    revokeInvite: async (jid) => {
      const code = await socket.groupRevokeInvite(jid)
      if (!code) throw new Error('WhatsApp gave no new invite code')
      return code
    },
    inviteInfo: async (code) => toGroupInfo(await socket.groupGetInviteInfo(code)),
    join: async (code) => (await socket.groupAcceptInvite(code)) ?? null,
    leave: async (jid) => {
      await socket.groupLeave(jid)
      cache.delete(jid)
    },
    joinRequests: async (jid) =>
      (await socket.groupRequestParticipantsList(jid)).map((request) => {
        const attrs = request as Record<string, string>
        return {
          ...member(attrs.jid, attrs.phone_number)!,
          requestedAt: attrs.request_time ? Number(attrs.request_time) * 1000 : null,
          method: attrs.request_method ?? null,
        }
      }),
    answerJoinRequests: async (jid, participants, approve) =>
      outcomes(participants, await socket.groupRequestParticipantsUpdate(jid, participants, approve ? 'approve' : 'reject')),
  }
}

/** Every member of the group (by phone number where known) and the people named besides. */
export function mentionEveryone(meta: GroupMetadata | undefined, named: string[] = []): string[] {
  const members = (meta?.participants ?? []).map((p) => jidNormalizedUser(p.phoneNumber ?? p.id))
  return [...new Set([...named, ...members])]
}

/** For sends: Baileys asks this before querying the group itself; a miss is fetched once and kept. */
export function cachedGroupMetadataFor(getSocket: () => WASocket | undefined, cache: GroupMetadataCache): (jid: string) => Promise<GroupMetadata | undefined> {
  return async (jid) => {
    const socket = getSocket()
    return socket ? readThrough(socket, cache, jid) : undefined
  }
}

/** The cached metadata, or one query whose answer is kept. */
async function readThrough(socket: WASocket, cache: GroupMetadataCache, jid: string): Promise<GroupMetadata> {
  const cached = cache.get(jid)
  if (cached) return cached
  const fresh = await socket.groupMetadata(jid)
  cache.set(jid, fresh)
  return fresh
}
