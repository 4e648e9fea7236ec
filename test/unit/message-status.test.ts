import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canTransition, isSettled, MESSAGE_STATUSES, type MessageStatus } from '../../src/messaging/message-status.js'

describe('message status transitions', () => {
  const allowed: Array<[MessageStatus, MessageStatus]> = [
    ['queued', 'sending'], ['sending', 'queued'], ['sending', 'sent'], ['queued', 'failed'], ['sending', 'failed'],
    ['sent', 'delivered'], ['delivered', 'read'], ['read', 'played'], ['sent', 'read'], ['failed', 'sent'],
  ]
  const forbidden: Array<[MessageStatus, MessageStatus]> = [
    ['read', 'delivered'], ['delivered', 'sent'], ['sent', 'failed'], ['sent', 'queued'], ['queued', 'queued'],
    ['played', 'read'], ['sent', 'sending'], ['failed', 'queued'], ['delivered', 'failed'],
  ]
  for (const [from, to] of allowed) it(`${from} -> ${to} is allowed`, () => assert.ok(canTransition(from, to)))
  for (const [from, to] of forbidden) it(`${from} -> ${to} is refused`, () => assert.ok(!canTransition(from, to)))
  it('only queued and sending are unsettled', () => {
    assert.deepEqual(MESSAGE_STATUSES.filter((status) => !isSettled(status)), ['queued', 'sending'])
  })
})
