import { compareSessions } from '../store/session-catalog.js'
import type { ConnectionState } from './session-runtime.js'

/** What a page of sessions is narrowed to; every part optional. */
export interface SessionFilter {
  state?: ConnectionState
  /** Matched, case-insensitively, anywhere in the device id, phone number or push name; a leading + is ignored. */
  search?: string
}

/** A place in the list's order (creation time, then device id): the last session of a page. */
export interface SessionPosition {
  createdAt: number
  deviceId: string
}

/** The few fields a filter looks at, cheaper to gather for ten thousand sessions than the whole view. */
export interface ListedSession extends SessionPosition {
  connectionState: ConnectionState
  phoneNumber: string | null
  pushName: string | null
}

export interface SessionPage<T> {
  sessions: T[]
  /** Sessions matching the filter, on every page. */
  total: number
  /** Where the next page starts, or null on the last page. */
  next: SessionPosition | null
}

/**
 * A predicate for `filter`, its search text normalised once; null when the filter lets every
 * session through (then no session's live state needs looking at).
 */
export function sessionMatcher(filter: SessionFilter): ((session: ListedSession) => boolean) | null {
  const text = filter.search?.trim().toLowerCase().replace(/^\+/, '') ?? ''
  if (filter.state === undefined && text === '') return null
  return (session) =>
    (filter.state === undefined || session.connectionState === filter.state) &&
    (text === '' || [session.deviceId, session.phoneNumber, session.pushName].some((value) => value?.toLowerCase().includes(text)))
}

/**
 * One page of `ordered` (sorted by compareSessions): the sessions `matches` lets through (all, when
 * null) after `after`, at most `limit`. A position survives its session's deletion: the page starts
 * after where it was.
 */
export function pageOf<T extends SessionPosition>(ordered: readonly T[], matches: ((session: T) => boolean) | null, after: SessionPosition | undefined, limit: number): SessionPage<T> {
  const matching = matches ? ordered.filter(matches) : ordered
  const start = after === undefined ? 0 : firstAfter(matching, after)
  const sessions = matching.slice(start, start + limit)
  const more = start + limit < matching.length
  const last = sessions.at(-1)
  return { sessions, total: matching.length, next: more && last ? { createdAt: last.createdAt, deviceId: last.deviceId } : null }
}

/** The index of the first session sorting after `position` (binary search). */
function firstAfter(ordered: readonly SessionPosition[], position: SessionPosition): number {
  let low = 0
  let high = ordered.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareSessions(ordered[middle]!, position) <= 0) low = middle + 1
    else high = middle
  }
  return low
}
