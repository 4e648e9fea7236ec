import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { EventBus } from '../../src/events/event-bus.js'
import { encodeMessage } from '../../src/messaging/message-codec.js'
import { Outbox } from '../../src/messaging/outbox.js'
import { SendPacer } from '../../src/messaging/send-pacer.js'
import { SentContents } from '../../src/messaging/sent-contents.js'
import type { SessionManager } from '../../src/sessions/session-manager.js'
import { ConnectionClosedError, type WhatsAppConnection } from '../../src/sessions/whatsapp-port.js'
import { SessionCatalog } from '../../src/store/session-catalog.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const DEVICE = 'shop'
const RECIPIENT = '120363000000000000@g.us'

/**
 * A real SQLite outbox with a connection that records what it sends; `failNext` makes the next send hit a closed socket.
 * `holdWritten` keeps a stored write of a sent message's bytes from being reported until `releaseWritten`.
 */
async function outboxOnSqlite() {
  const store = openSqliteStore(tempDir())
  let writtenHeld: Promise<void> | undefined
  let releaseWritten = () => {}
  const holdWritten = () => (writtenHeld = new Promise<void>((resolve) => (releaseWritten = resolve)))
  const markWritten = store.messages.markWritten.bind(store.messages)
  const bytesStoredAlone: string[] = []
  store.messages.markWritten = async (...args) => {
    bytesStoredAlone.push(args[0])
    const updated = await markWritten(...args)
    await writtenHeld
    return updated
  }
  await store.sessions.create(DEVICE, 'running')
  const sent: string[] = []
  const attempts: string[] = []
  let failNext = false
  const connection = {
    send: async (_jid: string, _message: unknown, messageId: string) => {
      attempts.push(messageId)
      if (failNext) {
        failNext = false
        throw new ConnectionClosedError()
      }
      sent.push(messageId)
      return { encoded: new Uint8Array([1]) }
    },
  } as unknown as WhatsAppConnection
  const manager = { liveConnection: () => connection } as unknown as SessionManager
  let ids = 0
  const bus = new EventBus(() => undefined)
  const sentContents = new SentContents(store.messages)
  const outbox = new Outbox({
    messages: store.messages,
    sentContents,
    sessions: await SessionCatalog.load(store.sessions),
    manager,
    bus,
    pacer: new SendPacer(1),
    defaultRatePerMinute: 0,
    ackTimeoutMs: 60_000,
    logger: pino({ level: 'silent' }),
    newMessageId: () => `local-${ids++}`,
    recipientExists: async () => true,
  })
  const text = (text: string) => ({ content: { type: 'text' as const, text } })
  const accept = (body: string) => outbox.accept(DEVICE, RECIPIENT, text(body), null)
  /** A message stored by someone else: another node, as the cluster does before it notifies the node running the session. */
  const insertElsewhere = (id: string) =>
    store.messages.insertOrGetExisting({ id, deviceId: DEVICE, recipient: RECIPIENT, type: 'text', content: encodeMessage(text(id)).json, media: null, status: 'queued', idempotencyKey: null })
  const failNextSend = () => (failNext = true)
  return { store, outbox, bus, sent, attempts, accept, insertElsewhere, failNextSend, holdWritten, releaseWritten: () => releaseWritten(), bytesStoredAlone, sentContents }
}

describe('outbox queue: kept in memory once read, the database for anything this node did not accept', () => {
  it('sends what this node accepts in order, and what another node queued once it is kicked', async () => {
    const { store, outbox, sent, accept, insertElsewhere } = await outboxOnSqlite()
    for (let i = 0; i < 3; i++) await accept(`m${i}`)
    await waitFor(() => sent.length === 3, { what: 'local messages sent' })
    // Another node stores a message and notifies this one, which runs the session.
    await insertElsewhere('remote-1')
    outbox.kick(DEVICE)
    await accept('m3')
    await waitFor(() => sent.length === 5, { what: 'the remote message sent after the kick' })
    assert.deepEqual(sent, ['local-0', 'local-1', 'local-2', 'remote-1', 'local-3'])
    // No ack comes here: each message's bytes are stored alone once the wait for one is over.
    const statuses = async () => Promise.all(sent.map(async (id) => (await store.messages.get(id))?.status))
    await waitFor(async () => (await statuses()).every((status) => status === 'sending'), { what: 'every message stored as sending' })
    outbox.close()
  })

  it('reads the queue from the database again after a send that met a closed connection', async () => {
    const { store, outbox, sent, attempts, accept, failNextSend } = await outboxOnSqlite()
    await accept('first')
    await waitFor(() => sent.length === 1)
    failNextSend()
    await accept('interrupted')
    await waitFor(() => attempts.length === 2, { what: 'the interrupted attempt' })
    assert.equal((await store.messages.get('local-1'))?.status, 'queued')
    // The session is back: the next message finds the interrupted one still ahead of it.
    await accept('next')
    await waitFor(() => sent.length === 3, { what: 'both sent' })
    assert.deepEqual(sent, ['local-0', 'local-1', 'local-2'])
    outbox.close()
  })

  it('publishes sending before sent when WhatsApp\'s ack is recorded before the write of the bytes is reported', async () => {
    const { outbox, bus, sent, accept, holdWritten, releaseWritten } = await outboxOnSqlite()
    const statuses: string[] = []
    bus.subscribe('message.status', ({ status }) => statuses.push(status))
    holdWritten()
    await accept('acked early')
    await waitFor(() => sent.length === 1, { what: 'the message on the wire' })
    bus.publish('engine.message-status', { deviceId: DEVICE, messageId: sent[0]!, status: 'sent', error: null })
    await waitFor(() => statuses.includes('sent'), { what: 'the ack applied' })
    releaseWritten()
    bus.publish('engine.message-status', { deviceId: DEVICE, messageId: sent[0]!, status: 'delivered', error: null })
    await waitFor(() => statuses.includes('delivered'), { what: 'the receipt applied' })
    assert.deepEqual(statuses, ['queued', 'sending', 'sent', 'delivered'])
    outbox.close()
  })
})

describe('outbox: a message\'s bytes stored with its ack', () => {
  it('stores the bytes sent in the same write as WhatsApp\'s ack, and serves them meanwhile', async () => {
    const { store, outbox, bus, sent, accept, bytesStoredAlone, sentContents } = await outboxOnSqlite()
    const statuses: string[] = []
    bus.subscribe('message.status', ({ status }) => statuses.push(status))
    await accept('acked')
    await waitFor(() => sent.length === 1, { what: 'the message on the wire' })
    const id = sent[0]!
    assert.equal((await store.messages.get(id))?.status, 'queued', 'on the wire, not yet stored as sending')
    assert.deepEqual([...((await sentContents.get(DEVICE, id)) ?? [])], [1], 'a retry receipt finds the bytes meanwhile')
    bus.publish('engine.message-status', { deviceId: DEVICE, messageId: id, status: 'sent', error: null })
    await waitFor(() => statuses.includes('sent'), { what: 'the ack applied' })
    assert.deepEqual(statuses, ['queued', 'sending', 'sent'])
    assert.equal((await store.messages.get(id))?.status, 'sent')
    assert.deepEqual([...((await store.messages.waMessage(DEVICE, id)) ?? [])], [1], 'the bytes stored with the ack')
    assert.deepEqual(bytesStoredAlone, [], 'no write of the bytes alone')
    outbox.close()
  })

  it('stores the bytes of the messages on the wire before it reads the queue, so none goes out twice', async () => {
    const { store, outbox, sent, accept, bytesStoredAlone } = await outboxOnSqlite()
    // More than a read's batch (32), none acknowledged.
    for (let i = 0; i < 40; i++) await accept(`m${i}`)
    await waitFor(() => sent.length === 40, { what: 'every message on the wire' })
    outbox.kick(DEVICE)
    await accept('after the kick')
    await waitFor(() => sent.length === 41, { what: 'the next message sent' })
    assert.equal(new Set(sent).size, 41, 'no message sent twice')
    assert.equal(bytesStoredAlone.length >= 40, true)
    assert.equal((await store.messages.get(sent[0]!))?.status, 'sending')
    outbox.close()
  })

  it('stores the bytes before the requeue when the connection drops, and sends the message again once it is back', async () => {
    const { store, outbox, bus, sent, accept, bytesStoredAlone } = await outboxOnSqlite()
    await accept('cut off')
    await waitFor(() => sent.length === 1, { what: 'the message on the wire' })
    const id = sent[0]!
    bus.publish('session.status', { deviceId: DEVICE, state: 'connecting', lastError: null })
    await waitFor(() => bytesStoredAlone.includes(id), { what: 'the bytes stored' })
    await waitFor(async () => (await store.messages.get(id))?.status === 'queued', { what: 'the message requeued' })
    assert.deepEqual([...((await store.messages.waMessage(DEVICE, id)) ?? [])], [1])
    bus.publish('session.status', { deviceId: DEVICE, state: 'connected', lastError: null })
    await waitFor(() => sent.length === 2, { what: 'the message sent again' })
    assert.deepEqual(sent, [id, id])
    // A status for the first attempt that comes late still applies to the message.
    bus.publish('engine.message-status', { deviceId: DEVICE, messageId: id, status: 'sent', error: null })
    await waitFor(async () => (await store.messages.get(id))?.status === 'sent', { what: 'the ack applied' })
    outbox.close()
  })
})
