import type { GroupEvent, GroupInfo } from '../sessions/groups-port.js'
import { isoOrNull } from '../time.js'

/** A group as the API shows it: dates as ISO strings. */
export function groupView(info: GroupInfo): Omit<GroupInfo, 'createdAt'> & { createdAt: string | null } {
  return { ...info, createdAt: isoOrNull(info.createdAt) }
}

/** The public event for a group change: its type and data. */
export function groupEventPayload(event: GroupEvent): { type: 'group.joined' | 'group.updated' | 'group.participants'; data: Record<string, unknown> } {
  switch (event.kind) {
    case 'joined':
      return { type: 'group.joined', data: { group: groupView(event.group), by: event.by } }
    case 'updated':
      return { type: 'group.updated', data: { jid: event.jid, changes: event.changes, by: event.by } }
    case 'participants':
      return { type: 'group.participants', data: { jid: event.jid, action: event.action, participants: event.participants, by: event.by } }
  }
}
