import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { migrateSqliteToPostgres, TABLES, type TableCounts } from '../../src/store/migrate-to-postgres.js'
import type { NewMessage, Store } from '../../src/store/ports.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'
import { createTestSchema, type TestSchema } from './backends.js'

const root = tempDir('migrate-to-postgres-')
const dataDir = join(root, 'node')

const DEVICES = ['alpha', 'beta', 'gamma']
const KEY_TYPES = ['pre-key', 'session']
/** More than one batch of auth keys, so batching and its remainder are both exercised. */
const KEYS_PER_TYPE = 350
const keyIds = Array.from({ length: KEYS_PER_TYPE }, (_, i) => `k${i}`)
const DELETED_KEY_IDS = ['k3', 'k4']
const CHATS = ['chat1@s.whatsapp.net', 'chat2@g.us']
const INBOUND_IDS = ['in1', 'in2', 'in3', 'in4', 'in5']
const MESSAGE_IDS = ['m-media', 'm-text', 'm-sent', 'm-failed', 'b-queued']
const WEBHOOK_IDS = ['w1', 'w2', 'w3']
const LOGIN = { tokenHash: 'token-hash', csrfToken: 'csrf', expiresAt: 4_000_000_000_000 }

/** Deterministic bytes covering every byte value. */
const bytes = (length: number, salt: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + salt) % 256))
const MEDIA = bytes(70_000, 1)
const WA_MESSAGE = bytes(300, 2)
const rawOf = (index: number): Buffer | null => (index === 2 ? null : bytes(200 + index, index))
const UPDATED_RAW = bytes(50, 9)

const message = (id: string, deviceId: string, overrides: Partial<NewMessage> = {}): NewMessage => ({
  id,
  deviceId,
  recipient: '15550001111@s.whatsapp.net',
  type: 'text',
  content: `{"text":"${id}"}`,
  media: null,
  status: 'queued',
  idempotencyKey: null,
  ...overrides,
})

async function fill(store: Store): Promise<{ highestDeliverySeq: number }> {
  await store.settings.setIfAbsent('admin_api_key_hash', 'admin-hash')
  await store.sessions.create('alpha', 'running')
  await store.sessions.setApiKey('alpha', 'alpha-hash', 'wa_alpha')
  await store.sessions.setAccount('alpha', '15550002222', 'Alpha')
  await store.sessions.setSendRate('alpha', 30)
  await store.sessions.create('beta', 'stopped')
  await store.sessions.setApiKey('beta', 'beta-hash', 'wa_beta')
  await store.sessions.create('gamma', 'running')

  for (const deviceId of ['alpha', 'beta']) {
    await store.authStates.writeCreds(deviceId, JSON.stringify({ me: deviceId }))
    for (const type of KEY_TYPES) {
      await store.authStates.writeKeys(deviceId, keyIds.map((id) => ({ type, id, value: JSON.stringify({ deviceId, type, id }) })))
    }
    await store.authStates.writeKeys(deviceId, DELETED_KEY_IDS.map((id) => ({ type: 'pre-key', id, value: null })))
  }

  await store.messages.insertOrGetExisting(message('m-media', 'alpha', { type: 'image', media: MEDIA }))
  await store.messages.insertOrGetExisting(message('m-text', 'alpha', { idempotencyKey: 'idem-1' }))
  await store.messages.insertOrGetExisting(message('m-sent', 'alpha', { media: bytes(10, 3) }))
  await store.messages.transition('m-sent', 'sending', null, ['queued'])
  await store.messages.markWritten('m-sent', WA_MESSAGE)
  await store.messages.transition('m-sent', 'sent', null, ['sending'])
  await store.messages.insertOrGetExisting(message('m-failed', 'alpha'))
  await store.messages.transition('m-failed', 'failed', 'not on WhatsApp', ['queued'])
  await store.messages.insertOrGetExisting(message('b-queued', 'beta'))

  for (const [index, id] of INBOUND_IDS.entries()) {
    const record = { deviceId: 'alpha', id, chat: CHATS[index % 2]!, type: 'text', payload: `{"id":"${id}"}`, timestamp: 1_700_000_000_000 + index }
    await store.inbound.insert(record, rawOf(index))
  }
  await store.inbound.updateRaw('alpha', 'in4', UPDATED_RAW)

  await store.webhooks.create({ id: 'w1', deviceId: 'alpha', url: 'https://a.example/hook', secret: 's1', events: ['message.received'], createdAt: 1 })
  await store.webhooks.create({ id: 'w2', deviceId: 'alpha', url: 'https://b.example/hook', secret: 's2', events: [], createdAt: 2 })
  await store.webhooks.create({ id: 'w3', deviceId: 'beta', url: 'https://c.example/hook', secret: 's3', events: [], createdAt: 3 })
  const lanes = [['w1', 'alpha'], ['w2', 'alpha'], ['w3', 'beta']] as const
  await store.deliveries.enqueue(
    lanes.flatMap(([webhookId, deviceId]) =>
      [1, 2, 3].map((n) => ({ webhookId, deviceId, eventId: `${webhookId}-e${n}`, eventType: 'message.received', body: `{"n":${n}}` })),
    ),
  )
  const [w1, , w2, , w3] = (await store.deliveries.list('pending', 100)).reverse()
  await store.deliveries.markDelivered([w1!.seq])
  await store.deliveries.scheduleRetry(w2!.seq, 1_800_000_000_000, 'HTTP 503')
  await store.deliveries.markFailed(w3!.seq, 'HTTP 410')
  // The highest seq ever used belongs to a delivery that is gone before the migration.
  await store.deliveries.enqueue([{ webhookId: 'gone', deviceId: 'alpha', eventId: 'gone-e1', eventType: 'message.received', body: '{}' }])
  const [highest] = await store.deliveries.list('pending', 1)
  await store.deliveries.deleteForWebhook('gone')

  await store.chats.update('alpha', [{ jid: CHATS[0]!, change: { name: 'Team', archived: true, pinnedAt: 7, mutedUntil: -1, lastActivity: 9 } }])
  await store.chats.update('alpha', [{ jid: 'history-only@g.us', change: { name: 'Old group', lastActivity: 1 } }])
  await store.chats.markMessage('alpha', INBOUND_IDS[0]!, { starred: true })
  await store.contacts.upsert('alpha', [{ jid: 'c@s.whatsapp.net', name: 'Cy', pushName: 'C', phoneNumber: 'c', lid: '9@lid' }])
  await store.scopedKeys.insert({
    id: 'key_1', deviceId: 'alpha', name: 'billing bot', scopes: ['send', 'read'], keyHash: 'ab'.repeat(32), keyPrefix: 'abababab', createdAt: 5, lastUsedAt: null,
  })
  await store.sessions.setProxy('alpha', 'socks5://u:p@10.0.0.1:1080')
  await store.labels.save('alpha', { id: '1', name: 'New customer', color: 1, predefinedId: '1' })
  await store.labels.save('alpha', { id: '6', name: 'Paid', color: 7, predefinedId: null })
  await store.labels.setChatLabel('alpha', CHATS[0]!, '6', true)
  await store.labels.markSynced('alpha', '15550001111')
  await store.keptMedia.record({ deviceId: 'alpha', messageId: INBOUND_IDS[0]!, key: 'alpha/m', sha256: 'ab'.repeat(32), size: 3_000_000_000, keptAt: 9 })
  await store.sessions.setBehaviour('alpha', { metadata: { tenant: 'a' }, autoRead: true })
  await store.dashboardLogins.create(LOGIN)
  await store.dashboardLogins.create({ tokenHash: 'expired', csrfToken: 'old', expiresAt: 1 })
  return { highestDeliverySeq: highest!.seq }
}

const EXPECTED_COUNTS: TableCounts = {
  settings: 1,
  sessions: 3,
  session_keys: 1,
  labels: 2,
  chat_labels: 1,
  label_syncs: 1,
  kept_media: 1,
  auth_creds: 2,
  auth_keys: 2 * (KEY_TYPES.length * KEYS_PER_TYPE - DELETED_KEY_IDS.length),
  messages: MESSAGE_IDS.length,
  inbound_messages: INBOUND_IDS.length,
  webhooks: WEBHOOK_IDS.length,
  webhook_deliveries: 9,
  dashboard_sessions: 2,
  chats: 2,
  contacts: 1,
  message_marks: 1,
}

const buffer = (value: Uint8Array | undefined): Buffer | undefined => value && Buffer.from(value)

/** Everything the repositories return about the data above, in a form both backends must match exactly. */
async function readAll(store: Store) {
  const each = <V, T>(values: readonly V[], read: (value: V) => Promise<T>) => Promise.all(values.map(read))
  return {
    setting: await store.settings.get('admin_api_key_hash'),
    sessions: await store.sessions.list(),
    scopedKeys: await each(DEVICES, (deviceId) => store.scopedKeys.list(deviceId)),
    labels: await each(DEVICES, (deviceId) => store.labels.list(deviceId)),
    labelledChats: await each(DEVICES, (deviceId) => store.labels.chatsWith(deviceId, '6')),
    labelSyncs: await each(DEVICES, (deviceId) => store.labels.syncedAccount(deviceId)),
    keptMedia: await store.keptMedia.get('alpha', INBOUND_IDS[0]!),
    creds: await each(DEVICES, (deviceId) => store.authStates.readCreds(deviceId)),
    keys: await each(DEVICES, (deviceId) =>
      each(KEY_TYPES, async (type) => [...(await store.authStates.readKeys(deviceId, type, keyIds))].sort(([a], [b]) => a.localeCompare(b))),
    ),
    messages: await each(MESSAGE_IDS, (id) => store.messages.get(id)),
    media: await each(MESSAGE_IDS, async (id) => buffer(await store.messages.media(id))),
    waMessages: await each(MESSAGE_IDS, async (id) => buffer(await store.messages.waMessage('alpha', id))),
    queued: await each(DEVICES, (deviceId) => store.messages.nextQueued(deviceId, 100)),
    inbound: await each(INBOUND_IDS, (id) => store.inbound.get('alpha', id)),
    raw: await each(INBOUND_IDS, async (id) => buffer(await store.inbound.raw('alpha', id))),
    byChat: await each(CHATS, (chat) => store.inbound.listByChat('alpha', chat, 100)),
    chats: await store.chats.list('alpha', 10),
    chat: await store.chats.get('alpha', CHATS[0]!),
    marks: await store.chats.messageMarks('alpha', INBOUND_IDS),
    contacts: await store.contacts.list('alpha', 10, 0),
    webhooks: await each(DEVICES, (deviceId) => store.webhooks.listForDevice(deviceId)),
    deliveries: await each(['pending', 'delivered', 'failed'] as const, (status) => store.deliveries.list(status, 100)),
    login: await store.dashboardLogins.find(LOGIN.tokenHash, Date.now()),
  }
}

async function countRows(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const counts: Record<string, number> = {}
    for (const table of TABLES) counts[table] = Number((await client.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n)
    return counts
  } finally {
    await client.end()
  }
}

describe('migrating a SQLite store to PostgreSQL', () => {
  let expected: Awaited<ReturnType<typeof readAll>>
  let highestDeliverySeq: number
  let schema: TestSchema
  let counts: TableCounts
  let postgres: Store

  before(async () => {
    const sqlite = openSqliteStore(dataDir)
    ;({ highestDeliverySeq } = await fill(sqlite))
    expected = await readAll(sqlite)
    await sqlite.close()
    schema = await createTestSchema()
    counts = await migrateSqliteToPostgres({ dataDir, url: schema.url })
    postgres = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 4 })
  })
  after(async () => {
    await postgres?.close()
    await schema?.drop()
  })

  it('copies every row and reports the counts', async () => {
    assert.deepEqual(counts, EXPECTED_COUNTS)
    assert.deepEqual(await countRows(schema.url), EXPECTED_COUNTS)
  })

  it('reads back everything equal, blobs byte for byte, in the same order', async () => {
    const actual = await readAll(postgres)
    assert.deepEqual(actual, expected)
    // The fixture itself is what it should be, so the comparison above is not vacuous.
    assert.equal(actual.sessions.length, 3)
    assert.equal(actual.keys[0]![0]!.length, KEYS_PER_TYPE - DELETED_KEY_IDS.length)
    assert.deepEqual(actual.media[0], MEDIA)
    assert.deepEqual(actual.media[2], undefined)
    assert.deepEqual(actual.waMessages[2], WA_MESSAGE)
    assert.deepEqual(actual.raw, INBOUND_IDS.map((id, index) => (id === 'in4' ? UPDATED_RAW : rawOf(index) ?? undefined)))
    assert.deepEqual(actual.queued[0]!.map((m) => m.id), ['m-media', 'm-text'])
    assert.deepEqual(actual.deliveries.map((list) => list.length), [7, 1, 1])
    assert.equal(actual.deliveries[0]!.find((d) => d.lastError === 'HTTP 503')?.attempts, 1)
    assert.equal(actual.login?.csrfToken, LOGIN.csrfToken)
  })

  it('numbers new rows after the copied ones, even after a deleted highest seq', async () => {
    await postgres.messages.insertOrGetExisting(message('after', 'alpha'))
    assert.deepEqual((await postgres.messages.nextQueued('alpha', 100)).map((m) => m.id), ['m-media', 'm-text', 'after'])
    assert.equal(await postgres.inbound.insert({ deviceId: 'alpha', id: 'in-after', chat: CHATS[0]!, type: 'text', payload: '{}', timestamp: 1 }, null), true)
    await postgres.deliveries.enqueue([{ webhookId: 'w1', deviceId: 'alpha', eventId: 'after', eventType: 'message.received', body: '{}' }])
    const [newest] = await postgres.deliveries.list('pending', 1)
    assert.ok(newest)
    assert.equal(newest.eventId, 'after')
    assert.ok(newest.seq > highestDeliverySeq, `seq ${newest.seq} after ${highestDeliverySeq}`)
  })

  it('refuses a database that already holds data, changing nothing', async () => {
    const before = await countRows(schema.url)
    await assert.rejects(migrateSqliteToPostgres({ dataDir, url: schema.url }), /already holds data \(in .*sessions.*\); point the migration at an empty database/)
    assert.deepEqual(await countRows(schema.url), before)
  })

  it('refuses a SQLite file at an older schema version, before touching PostgreSQL', async () => {
    const oldDir = join(root, 'old')
    mkdirSync(oldDir)
    const sqlitePath = join(oldDir, 'whatsapp-api.db')
    copyFileSync(join(dataDir, 'whatsapp-api.db'), sqlitePath)
    const db = new Database(sqlitePath)
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`)
    db.close()
    // Nothing listens on port 1: reaching PostgreSQL at all would fail differently.
    await assert.rejects(
      migrateSqliteToPostgres({ sqlitePath, url: 'postgres://postgres@127.0.0.1:1/none' }),
      new RegExp(`has schema version ${SCHEMA_VERSION - 1}, this tool reads version ${SCHEMA_VERSION}: start this version of the server`),
    )
  })
})
