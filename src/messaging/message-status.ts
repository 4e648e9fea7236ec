/** The life of an outgoing message. Later statuses never go back to earlier ones. */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'played', 'failed'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

const RANK: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  failed: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  played: 6,
}

/**
 * Whether a message may move from one status to another. Receipts only move forward; failed ends a
 * queued or sending message, and a late server ack may still turn a failed (timed-out) one into sent.
 * Connection loss puts a sending message back to queued, to be sent again under the same id.
 */
export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  if (to === 'queued') return from === 'sending'
  if (to === 'failed') return from === 'queued' || from === 'sending'
  return RANK[to] > RANK[from]
}

/** For each status, the statuses a message may come from: what a store's conditional update takes. */
export const ALLOWED_FROM = Object.fromEntries(
  MESSAGE_STATUSES.map((to) => [to, MESSAGE_STATUSES.filter((from) => canTransition(from, to))]),
) as Record<MessageStatus, MessageStatus[]>

/** A status past which the sender has a final answer for a synchronous request. */
export function isSettled(status: MessageStatus): boolean {
  return status !== 'queued' && status !== 'sending'
}
