/** Groups as the WhatsApp engine runs them (see whatsapp-port.ts). */

export type GroupAdmin = 'admin' | 'superadmin'

/** Someone in a group, by every address WhatsApp gave. */
export interface GroupMember {
  /** The phone-number JID where known, else the LID. */
  jid: string
  phoneNumber: string | null
  lid: string | null
}

export interface GroupParticipant extends GroupMember {
  admin: GroupAdmin | null
}

export interface GroupInfo {
  jid: string
  subject: string
  description: string | null
  /** The creator, where WhatsApp says. */
  owner: string | null
  /** Epoch ms. */
  createdAt: number | null
  announceOnly: boolean
  locked: boolean
  /** Disappearing messages after this many seconds; 0 off. */
  ephemeralSeconds: number
  /** Joining by link needs an admin's approval. */
  joinApproval: boolean
  size: number
  /** Empty for an invite preview (WhatsApp only shows the members once joined). */
  participants: GroupParticipant[]
}

export interface GroupSummary {
  jid: string
  name: string
  size: number
  description: string | null
  createdAt: number | null
  announceOnly: boolean
}

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote'

/** WhatsApp's answer for one participant of an add, remove, promote, demote or join-request decision. */
export interface ParticipantOutcome {
  /** The JID as asked. */
  jid: string
  /** 200 done; otherwise WhatsApp's code (403 privacy, 404 unknown or not a member, 408 left recently, 409 already in, ...); 0 when WhatsApp did not answer for this one. */
  code: number
  /** When the person's privacy refused an add: the code of the invite the account may send instead. */
  addRequest: { code: string; expiresAt: number } | null
}

/** A group's name, description and settings, any of them, as changed or reported changed. */
export interface GroupSettings {
  subject?: string
  /** null removes it. */
  description?: string | null
  announceOnly?: boolean
  locked?: boolean
  ephemeralSeconds?: number
  joinApproval?: boolean
}

/** What a group admin changes: settings and the picture. */
export interface GroupChanges extends GroupSettings {
  /** A JPEG; null removes the picture. */
  picture?: Buffer | null
}

export interface JoinRequest extends GroupMember {
  /** Epoch ms. */
  requestedAt: number | null
  /** How they asked: invite_link, ... */
  method: string | null
}

/** An invite to one person, sent when the person's privacy refused an add. */
export interface PersonalInvite {
  to: string
  group: string
  subject: string
  code: string
  expiresAt: number
}

/** A change to a group, as the account hears it (w:gp2 notifications). */
export type GroupEvent =
  | { kind: 'joined'; group: GroupInfo; by: GroupMember | null }
  | {
      kind: 'updated'
      jid: string
      changes: GroupSettings & { picture?: 'set' | 'removed' }
      by: GroupMember | null
    }
  | { kind: 'participants'; jid: string; action: ParticipantAction | 'leave'; participants: GroupMember[]; by: GroupMember | null }

/** Everything a member or admin does with groups, through one connection. */
export interface Groups {
  /** Groups this account is a member of. */
  list(): Promise<GroupSummary[]>
  /** The group's metadata, from the cache kept current by notifications, or one query. */
  metadata(jid: string): Promise<GroupInfo>
  create(subject: string, participants: string[]): Promise<GroupInfo>
  update(jid: string, changes: GroupChanges): Promise<void>
  changeParticipants(jid: string, action: ParticipantAction, participants: string[]): Promise<ParticipantOutcome[]>
  /** Sends a personal invite (after a refused add). */
  sendInvite(invite: PersonalInvite): Promise<void>
  inviteCode(jid: string): Promise<string>
  /** Revokes the current link; answers the new code. */
  revokeInvite(jid: string): Promise<string>
  inviteInfo(code: string): Promise<GroupInfo>
  /** Joins by code: the group's JID, or null when an admin must approve first. */
  join(code: string): Promise<string | null>
  leave(jid: string): Promise<void>
  joinRequests(jid: string): Promise<JoinRequest[]>
  answerJoinRequests(jid: string, participants: string[], approve: boolean): Promise<ParticipantOutcome[]>
}
