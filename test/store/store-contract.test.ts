import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { laneKey, type NewDelivery, type NewMessage, type Store } from '../../src/store/ports.js'
import { DELETE_CHUNK_ROWS } from '../../src/store/sqlite/oldest-first-delete.js'
import { backends, nextMillisecond, type StoreFixture } from './backends.js'

const message = (overrides: Partial<NewMessage> = {}): NewMessage => ({
  id: 'm1',
  deviceId: 'dev1',
  recipient: '15550001111@s.whatsapp.net',
  type: 'text',
  content: '{"text":"hi"}',
  media: null,
  status: 'queued',
  idempotencyKey: null,
  ...overrides,
})

const delivery = (webhookId: string, deviceId: string, eventId: string): NewDelivery => ({
  webhookId,
  deviceId,
  eventId,
  eventType: 'message.received',
  body: `{"id":"${eventId}"}`,
})

const sorted = (values: readonly string[]): string[] => [...values].sort()

for (const backend of backends) {
  describe(`store contract (${backend.name})`, () => {
    let fixture: StoreFixture
    let store: Store
    beforeEach(async () => {
      fixture = await backend.open()
      store = fixture.store
      await store.sessions.create('dev1', 'running')
      await store.sessions.create('dev2', 'stopped')
    })
    afterEach(() => fixture.dispose())

    it('is of its kind and reachable', async () => {
      assert.equal(store.kind, backend.name)
      assert.equal(await store.isReachable(), true)
    })

    describe('sessions', () => {
      it('creates a session once, with defaults', async () => {
        const before = Date.now()
        assert.equal(await store.sessions.create('dev3', 'running'), true)
        assert.equal(await store.sessions.create('dev3', 'stopped'), false)
        const record = await store.sessions.get('dev3')
        assert.ok(record)
        assert.deepEqual({ ...record, createdAt: 0, updatedAt: 0 }, {
          deviceId: 'dev3',
          desiredState: 'running',
          sendRatePerMinute: null,
          rejectCalls: false,
          rejectCallMessage: null,
          proxyUrl: null,
          behaviour: {},
          apiKeyHash: null,
          apiKeyPrefix: null,
          phoneNumber: null,
          pushName: null,
          createdAt: 0,
          updatedAt: 0,
        })
        assert.ok(record.createdAt >= before && record.createdAt <= Date.now())
        assert.equal(record.updatedAt, record.createdAt)
        assert.equal(await store.sessions.get('nope'), undefined)
      })

      it('finds a session by its own key\'s hash', async () => {
        await store.sessions.setApiKey('dev2', 'b'.repeat(64), 'bbbbbbbb')
        assert.equal((await store.sessions.findByApiKeyHash('b'.repeat(64)))?.deviceId, 'dev2')
        assert.equal(await store.sessions.findByApiKeyHash('c'.repeat(64)), undefined)
      })

      it('lists sessions oldest first', async () => {
        await nextMillisecond()
        await store.sessions.create('a-newer', 'running')
        assert.deepEqual((await store.sessions.list()).map((s) => s.deviceId), ['dev1', 'dev2', 'a-newer'])
      })

      it('updates desired state, api key, account and send rate', async () => {
        const created = (await store.sessions.get('dev1'))!
        const later = await nextMillisecond()
        await store.sessions.setDesiredState('dev1', 'stopped')
        await store.sessions.setApiKey('dev1', 'hash', 'wa_123')
        await store.sessions.setAccount('dev1', '15550001111', 'Ann')
        await store.sessions.setSendRate('dev1', 30)
        await store.sessions.setCallRejection('dev1', { reject: true })
        await store.sessions.setCallRejection('dev1', { message: 'Please write instead' })
        const record = (await store.sessions.get('dev1'))!
        assert.equal(record.desiredState, 'stopped')
        assert.equal(record.apiKeyHash, 'hash')
        assert.equal(record.apiKeyPrefix, 'wa_123')
        assert.equal(record.phoneNumber, '15550001111')
        assert.equal(record.pushName, 'Ann')
        assert.equal(record.sendRatePerMinute, 30)
        assert.deepEqual([record.rejectCalls, record.rejectCallMessage], [true, 'Please write instead'])
        assert.equal(record.createdAt, created.createdAt)
        assert.ok(record.updatedAt >= later)
        await store.sessions.setAccount('dev1', null, null)
        await store.sessions.setSendRate('dev1', null)
        await store.sessions.setCallRejection('dev1', { reject: false, message: null })
        const cleared = (await store.sessions.get('dev1'))!
        assert.equal(cleared.phoneNumber, null)
        assert.equal(cleared.pushName, null)
        assert.equal(cleared.sendRatePerMinute, null)
        assert.deepEqual([cleared.rejectCalls, cleared.rejectCallMessage], [false, null])
        assert.equal((await store.sessions.get('dev2'))!.desiredState, 'stopped')
      })

      it('keeps a proxy and merges behaviour changes field by field, null restoring a default', async () => {
        await store.sessions.setProxy('dev1', 'socks5://user:secret@127.0.0.1:1080')
        await store.sessions.setBehaviour('dev1', { markOnline: true, metadata: { tenant: 'a', tags: ['x'] } })
        await Promise.all([
          store.sessions.setBehaviour('dev1', { autoRead: true }),
          store.sessions.setBehaviour('dev1', { ignore: { groups: true, status: false, channels: false, broadcast: false } }),
        ])
        await store.sessions.setBehaviour('dev1', { metadata: { tenant: 'b' }, markOnline: null, deviceName: undefined })
        const record = (await store.sessions.get('dev1'))!
        assert.equal(record.proxyUrl, 'socks5://user:secret@127.0.0.1:1080')
        assert.deepEqual(record.behaviour, {
          autoRead: true,
          ignore: { groups: true, status: false, channels: false, broadcast: false },
          metadata: { tenant: 'b' },
        })
        await store.sessions.setProxy('dev1', null)
        assert.equal((await store.sessions.get('dev1'))!.proxyUrl, null)
      })

      it('deletes a session once', async () => {
        assert.equal(await store.sessions.delete('dev1'), true)
        assert.equal(await store.sessions.delete('dev1'), false)
        assert.equal(await store.sessions.get('dev1'), undefined)
        assert.deepEqual((await store.sessions.list()).map((s) => s.deviceId), ['dev2'])
      })

      it('deletes, with the session, its auth state, messages, inbound messages and webhooks', async () => {
        await store.authStates.writeCreds('dev1', '{"me":1}')
        await store.authStates.writeKeys('dev1', [{ type: 'session', id: 'k', value: 'v' }])
        await store.messages.insertOrGetExisting(message())
        await store.inbound.insert({ deviceId: 'dev1', id: 'in1', chat: 'c', type: 'text', payload: '{}', timestamp: 1 }, null)
        await store.webhooks.create({ id: 'w1', deviceId: 'dev1', url: 'https://example.com', secret: 's', events: [], createdAt: 1 })
        await store.authStates.writeCreds('dev2', '{"me":2}')

        await store.sessions.delete('dev1')
        assert.equal(await store.authStates.readCreds('dev1'), undefined)
        assert.equal((await store.authStates.readKeys('dev1', 'session', ['k'])).size, 0)
        assert.equal(await store.messages.get('m1'), undefined)
        assert.equal(await store.inbound.get('dev1', 'in1'), undefined)
        assert.equal(await store.webhooks.get('w1'), undefined)
        assert.equal(await store.authStates.readCreds('dev2'), '{"me":2}')
        // The freed ids can be used again by a new session of the same name.
        await store.sessions.create('dev1', 'running')
        assert.equal((await store.messages.insertOrGetExisting(message())).created, true)
      })

      it('deletes a session with more history than one statement takes, giving the event loop turns meanwhile', async () => {
        const count = DELETE_CHUNK_ROWS * 2 + 1
        const ids = Array.from({ length: count }, (_, i) => `h${i}`)
        await Promise.all(ids.map((id) => store.messages.insertOrGetExisting(message({ id }))))
        await store.messages.insertOrGetExisting(message({ id: 'kept', deviceId: 'dev2' }))
        const history = ids.map((id, i) => ({ record: { deviceId: 'dev1', id, chat: `c${i % 7}`, type: 'text', payload: '{}', timestamp: i, fromMe: false, status: null, readAt: null }, raw: null }))
        assert.equal(await store.inbound.insertHistory('dev1', history), count)
        await store.chats.update('dev1', ids.map((id) => ({ jid: `chat-${id}`, change: { name: id, lastActivity: 1 } })))
        await store.authStates.writeKeys('dev1', [{ type: 'session', id: 'k', value: 'v' }])

        let turns = 0
        let deleting = true
        const turn = (): void => {
          turns += 1
          if (deleting) setImmediate(turn)
        }
        setImmediate(turn)
        assert.equal(await store.sessions.delete('dev1'), true)
        deleting = false
        assert.ok(turns >= 3, `the event loop turned between chunks (${turns} turns)`)
        for (const id of ['h0', `h${count - 1}`]) {
          assert.equal(await store.messages.get(id), undefined)
          assert.equal(await store.inbound.get('dev1', id), undefined)
        }
        assert.deepEqual(await store.chats.list('dev1', 10), [])
        assert.equal((await store.authStates.readKeys('dev1', 'session', ['k'])).size, 0)
        assert.equal((await store.messages.get('kept'))?.deviceId, 'dev2', 'another session\'s history stays')
      })
    })

    describe('scoped keys', () => {
      const key = (id: string, deviceId: string, createdAt: number) => ({
        id, deviceId, name: `key ${id}`, scopes: ['send', 'read'], keyHash: id.padEnd(64, '0'), keyPrefix: id.slice(0, 8), createdAt, lastUsedAt: null,
      })

      it('lists a session\'s keys oldest first, finds one by hash, records its use and deletes it once', async () => {
        await store.sessions.create('keys-a', 'running')
        await store.sessions.create('keys-b', 'running')
        await store.scopedKeys.insert(key('k2', 'keys-a', 20))
        await store.scopedKeys.insert(key('k1', 'keys-a', 10))
        await store.scopedKeys.insert(key('k3', 'keys-b', 5))
        assert.deepEqual((await store.scopedKeys.list('keys-a')).map((k) => k.id), ['k1', 'k2'])
        assert.deepEqual(await store.scopedKeys.findByHash('k3'.padEnd(64, '0')), key('k3', 'keys-b', 5))
        assert.equal(await store.scopedKeys.findByHash('nope'), undefined)
        await store.scopedKeys.touch('k1', 99)
        assert.equal((await store.scopedKeys.list('keys-a'))[0]!.lastUsedAt, 99)
        assert.equal(await store.scopedKeys.delete('keys-b', 'k1'), false, 'only the session\'s own key')
        assert.equal(await store.scopedKeys.delete('keys-a', 'k1'), true)
        assert.equal(await store.scopedKeys.delete('keys-a', 'k1'), false)
        await assert.rejects(store.scopedKeys.insert({ ...key('k4', 'keys-a', 30), keyHash: 'k2'.padEnd(64, '0') }), 'a hash is unique')
        await store.sessions.delete('keys-a')
        assert.equal(await store.scopedKeys.findByHash('k2'.padEnd(64, '0')), undefined, 'deleted with the session')
        await store.sessions.delete('keys-b')
      })
    })

    describe('labels', () => {
      it('lists labels by numeric id with chat counts, replaces one, labels chats, and deletes a label with its chats', async () => {
        await store.labels.save('dev1', { id: '10', name: 'Paid', color: 7, predefinedId: null })
        await store.labels.save('dev1', { id: '2', name: 'New order', color: 2, predefinedId: '3' })
        await store.labels.save('dev2', { id: '1', name: 'Elsewhere', color: 0, predefinedId: null })
        await store.labels.setChatLabel('dev1', 'a@s.whatsapp.net', '10', true)
        await store.labels.setChatLabel('dev1', 'b@s.whatsapp.net', '10', true)
        await store.labels.setChatLabel('dev1', 'b@s.whatsapp.net', '10', true)
        await store.labels.setChatLabel('dev1', 'b@s.whatsapp.net', '2', true)
        assert.deepEqual((await store.labels.list('dev1')).map((l) => [l.id, l.chatCount]), [['2', 1], ['10', 2]])
        await store.labels.save('dev1', { id: '10', name: 'Paid in full', color: 8, predefinedId: null })
        assert.deepEqual(await store.labels.get('dev1', '10'), { id: '10', name: 'Paid in full', color: 8, predefinedId: null, chatCount: 2 })
        assert.deepEqual(await store.labels.labelsOf('dev1', 'b@s.whatsapp.net'), ['2', '10'])
        assert.deepEqual(await store.labels.chatsWith('dev1', '10'), ['a@s.whatsapp.net', 'b@s.whatsapp.net'])
        await store.labels.setChatLabel('dev1', 'a@s.whatsapp.net', '10', false)
        assert.equal(await store.labels.delete('dev1', '10'), true)
        assert.equal(await store.labels.delete('dev1', '10'), false)
        assert.deepEqual(await store.labels.labelsOf('dev1', 'b@s.whatsapp.net'), ['2'])
        assert.equal((await store.labels.list('dev2')).length, 1, 'another session\'s labels stay')
      })

      it('remembers whose labels were fetched whole, and forgets a session\'s labels on clear', async () => {
        assert.equal(await store.labels.syncedAccount('dev1'), undefined)
        await store.labels.save('dev1', { id: '1', name: 'A', color: 0, predefinedId: null })
        await store.labels.setChatLabel('dev1', 'a@s.whatsapp.net', '1', true)
        await store.labels.markSynced('dev1', '15550001111')
        await store.labels.markSynced('dev1', '15550002222')
        assert.equal(await store.labels.syncedAccount('dev1'), '15550002222')
        await store.labels.clear('dev1')
        assert.deepEqual([await store.labels.list('dev1'), await store.labels.labelsOf('dev1', 'a@s.whatsapp.net'), await store.labels.syncedAccount('dev1')], [[], [], undefined])
      })
    })

    describe('kept media', () => {
      it('records kept files (sizes past 2^31 too), finds one, lists the oldest for retention and forgets them', async () => {
        const kept = (messageId: string, keptAt: number) => ({ deviceId: 'dev1', messageId, key: `dev1/${messageId}`, sha256: 'ab'.repeat(32), size: 3_000_000_000, keptAt })
        await store.keptMedia.record(kept('m1', 10))
        await store.keptMedia.record(kept('m2', 20))
        await store.keptMedia.record(kept('m3', 30))
        assert.deepEqual(await store.keptMedia.get('dev1', 'm2'), kept('m2', 20))
        assert.deepEqual(await store.keptMedia.olderThan(25, 1), [kept('m1', 10)])
        assert.deepEqual((await store.keptMedia.olderThan(25, 10)).map((k) => k.key), ['dev1/m1', 'dev1/m2'])
        await store.keptMedia.forget([{ deviceId: 'dev1', messageId: 'm1' }, { deviceId: 'dev1', messageId: 'm2' }])
        assert.deepEqual(await store.keptMedia.olderThan(25, 10), [])
        assert.equal(await store.keptMedia.get('dev1', 'm1'), undefined)
        await store.sessions.delete('dev1')
        assert.equal(await store.keptMedia.get('dev1', 'm3'), undefined, 'deleted with the session')
      })
    })

    describe('auth state', () => {
      it('writes and overwrites creds per session', async () => {
        assert.equal(await store.authStates.readCreds('dev1'), undefined)
        await store.authStates.writeCreds('dev1', 'one')
        await store.authStates.writeCreds('dev1', 'two')
        assert.equal(await store.authStates.readCreds('dev1'), 'two')
        assert.equal(await store.authStates.readCreds('dev2'), undefined)
      })

      it('reads only the keys that exist, of the given type and session', async () => {
        await store.authStates.writeKeys('dev1', [
          { type: 'pre-key', id: '1', value: 'p1' },
          { type: 'pre-key', id: '2', value: 'p2' },
          { type: 'session', id: '1', value: 's1' },
        ])
        await store.authStates.writeKeys('dev2', [{ type: 'pre-key', id: '3', value: 'other' }])
        assert.deepEqual(await store.authStates.readKeys('dev1', 'pre-key', ['1', '2', '3', '4']), new Map([['1', 'p1'], ['2', 'p2']]))
        assert.deepEqual(await store.authStates.readKeys('dev1', 'pre-key', ['2']), new Map([['2', 'p2']]))
        assert.deepEqual(await store.authStates.readKeys('dev1', 'session', ['1', '2']), new Map([['1', 's1']]))
        // as many ids as the read before, of another type and session
        assert.deepEqual(await store.authStates.readKeys('dev2', 'pre-key', ['3', '1']), new Map([['3', 'other']]))
        assert.deepEqual(await store.authStates.readKeys('dev1', 'pre-key', []), new Map())
      })

      it('reads many keys at once', async () => {
        const writes = Array.from({ length: 1200 }, (_, i) => ({ type: 'pre-key', id: String(i), value: `v${i}` }))
        await store.authStates.writeKeys('dev1', writes)
        const ids = [...writes.map((w) => w.id), 'missing']
        const found = await store.authStates.readKeys('dev1', 'pre-key', ids)
        assert.equal(found.size, 1200)
        assert.equal(found.get('0'), 'v0')
        assert.equal(found.get('1199'), 'v1199')
      })

      it('updates and deletes keys, the last write of a key in a batch winning', async () => {
        await store.authStates.writeKeys('dev1', [
          { type: 'session', id: 'a', value: 'a1' },
          { type: 'session', id: 'b', value: 'b1' },
          { type: 'session', id: 'c', value: 'c1' },
        ])
        await store.authStates.writeKeys('dev1', [
          { type: 'session', id: 'a', value: 'a2' },
          { type: 'session', id: 'b', value: null },
          { type: 'session', id: 'c', value: null },
          { type: 'session', id: 'c', value: 'c3' },
          { type: 'session', id: 'd', value: 'd1' },
          { type: 'session', id: 'd', value: null },
          { type: 'session', id: 'missing', value: null },
        ])
        assert.deepEqual(
          await store.authStates.readKeys('dev1', 'session', ['a', 'b', 'c', 'd', 'missing']),
          new Map([['a', 'a2'], ['c', 'c3']]),
        )
        await store.authStates.writeKeys('dev1', [])
      })

      it('applies a batch of key writes all or nothing', async () => {
        await store.authStates.writeKeys('dev1', [{ type: 'session', id: 'keep', value: 'v' }])
        await assert.rejects(
          store.authStates.writeKeys('dev1', [
            { type: 'session', id: 'keep', value: null },
            { type: 'session', id: 'new', value: 'v' },
            { type: 'session', id: 'bad', value: undefined as unknown as string },
          ]),
        )
        assert.deepEqual(await store.authStates.readKeys('dev1', 'session', ['keep', 'new']), new Map([['keep', 'v']]))
      })

      it('clears creds and keys of one session only', async () => {
        await store.authStates.writeCreds('dev1', 'c1')
        await store.authStates.writeCreds('dev2', 'c2')
        await store.authStates.writeKeys('dev1', [{ type: 'session', id: 'x', value: '1' }])
        await store.authStates.writeKeys('dev2', [{ type: 'session', id: 'x', value: '2' }])
        await store.authStates.clear('dev1')
        assert.equal(await store.authStates.readCreds('dev1'), undefined)
        assert.equal((await store.authStates.readKeys('dev1', 'session', ['x'])).size, 0)
        assert.equal(await store.authStates.readCreds('dev2'), 'c2')
        assert.equal((await store.authStates.readKeys('dev2', 'session', ['x'])).get('x'), '2')
        assert.equal((await store.sessions.get('dev1'))?.deviceId, 'dev1')
      })
    })

    describe('settings', () => {
      it('keeps the first value a setting was given, also when several writers race', async () => {
        assert.equal(await store.settings.get('theme'), undefined)
        assert.equal(await store.settings.setIfAbsent('theme', 'dark'), 'dark')
        assert.equal(await store.settings.setIfAbsent('other', 'x'), 'x')
        assert.equal(await store.settings.setIfAbsent('theme', 'light'), 'dark', 'the first value stays')
        assert.equal(await store.settings.get('theme'), 'dark')
        assert.equal(await store.settings.get('other'), 'x')
        const raced = await Promise.all(['a', 'b', 'c'].map((value) => store.settings.setIfAbsent('raced', value)))
        assert.equal(new Set(raced).size, 1, 'concurrent writers all see the one stored value')
      })
    })

    describe('messages', () => {
      it('inserts a message and returns the existing one for a repeated idempotency key', async () => {
        const before = Date.now()
        const first = await store.messages.insertOrGetExisting(message({ idempotencyKey: 'k1' }))
        assert.equal(first.created, true)
        assert.deepEqual({ ...first.record, createdAt: 0, updatedAt: 0 }, {
          id: 'm1',
          deviceId: 'dev1',
          recipient: '15550001111@s.whatsapp.net',
          type: 'text',
          content: '{"text":"hi"}',
          status: 'queued',
          error: null,
          idempotencyKey: 'k1',
          createdAt: 0,
          updatedAt: 0,
        })
        assert.ok(first.record.createdAt >= before)
        assert.equal(first.record.updatedAt, first.record.createdAt)

        const again = await store.messages.insertOrGetExisting(message({ id: 'm2', idempotencyKey: 'k1', content: 'other' }))
        assert.deepEqual(again, { record: first.record, created: false })
        assert.equal(await store.messages.get('m2'), undefined)
        assert.deepEqual(await store.messages.get('m1'), first.record)
      })

      it('scopes idempotency keys to a session and never matches messages without one', async () => {
        assert.equal((await store.messages.insertOrGetExisting(message({ id: 'a', idempotencyKey: 'k' }))).created, true)
        assert.equal((await store.messages.insertOrGetExisting(message({ id: 'b', deviceId: 'dev2', idempotencyKey: 'k' }))).created, true)
        assert.equal((await store.messages.insertOrGetExisting(message({ id: 'c' }))).created, true)
        assert.equal((await store.messages.insertOrGetExisting(message({ id: 'd' }))).created, true)
        await assert.rejects(store.messages.insertOrGetExisting(message({ id: 'a' })))
      })

      it('creates one message when the same idempotency key arrives concurrently', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.messages.insertOrGetExisting(message({ id: `m${i}`, idempotencyKey: 'same' }))),
        )
        assert.equal(results.filter((r) => r.created).length, 1)
        const winner = results.find((r) => r.created)!.record
        for (const result of results) assert.deepEqual(result.record, winner)
        assert.deepEqual((await store.messages.nextQueued('dev1', 10)).map((m) => m.id), [winner.id])
      })

      it('lists what a session sent one recipient, newest first, paged with before and limit', async () => {
        const other = '15550002222@s.whatsapp.net'
        await store.messages.insertOrGetExisting(message({ id: 'a' }))
        const afterA = await nextMillisecond()
        await store.messages.insertOrGetExisting(message({ id: 'b' }))
        await store.messages.insertOrGetExisting(message({ id: 'c', recipient: other }))
        await store.messages.insertOrGetExisting(message({ id: 'd', deviceId: 'dev2' }))
        const ids = async (limit: number, before?: number) =>
          (await store.messages.listByRecipient('dev1', '15550001111@s.whatsapp.net', limit, before)).map((m) => m.id)
        assert.deepEqual(await ids(10), ['b', 'a'])
        assert.deepEqual(await ids(1), ['b'])
        assert.deepEqual(await ids(10, afterA), ['a'])
        assert.deepEqual(await store.messages.listByRecipient('dev1', 'nobody@s.whatsapp.net', 10), [])
      })

      it('keeps media bytes until the message is written, then the wire message', async () => {
        const media = Buffer.from([0, 1, 2, 255])
        await store.messages.insertOrGetExisting(message({ media }))
        await store.messages.insertOrGetExisting(message({ id: 'plain' }))
        const stored = await store.messages.media('m1')
        assert.ok(Buffer.isBuffer(stored))
        assert.deepEqual(stored, media)
        assert.equal(await store.messages.media('plain'), undefined)
        assert.equal(await store.messages.media('missing'), undefined)
        assert.equal(await store.messages.waMessage('dev1', 'm1'), undefined)

        const wire = new Uint8Array([9, 8, 7])
        assert.equal((await store.messages.markWritten('m1', wire))?.status, 'sending')
        assert.equal(await store.messages.media('m1'), undefined)
        assert.deepEqual(Buffer.from((await store.messages.waMessage('dev1', 'm1'))!), Buffer.from(wire))
        assert.equal(await store.messages.waMessage('dev2', 'm1'), undefined)
      })

      it('moves only a queued message to sending when it is written: an ack or failure that came first stays', async () => {
        for (const id of ['queued', 'acked', 'refused']) await store.messages.insertOrGetExisting(message({ id }))
        await store.messages.transition('acked', 'sent', null, ['queued', 'sending'])
        await store.messages.transition('refused', 'failed', 'error 479', ['queued', 'sending'])
        const wire = new Uint8Array([1, 2, 3])
        const statuses = await Promise.all(['queued', 'acked', 'refused', 'missing'].map(async (id) => (await store.messages.markWritten(id, wire))?.status))
        assert.deepEqual(statuses, ['sending', 'sent', 'failed', undefined])
        assert.equal((await store.messages.get('refused'))?.error, 'error 479')
        for (const id of ['queued', 'acked', 'refused']) assert.deepEqual(Buffer.from((await store.messages.waMessage('dev1', id))!), Buffer.from(wire))
      })

      it('stores the wire message with a status in one transition, and nothing when the status may not apply', async () => {
        const media = Buffer.from([5, 6])
        await store.messages.insertOrGetExisting(message({ media }))
        await store.messages.insertOrGetExisting(message({ id: 'refused' }))
        await store.messages.transition('refused', 'failed', 'error 479', ['queued', 'sending'])
        const wire = new Uint8Array([4, 2])
        const acked = await store.messages.transition('m1', 'sent', null, ['queued', 'sending'], wire)
        assert.equal(acked?.status, 'sent')
        assert.deepEqual(Buffer.from((await store.messages.waMessage('dev1', 'm1'))!), Buffer.from(wire))
        assert.equal(await store.messages.media('m1'), undefined, 'the media kept for sending is dropped')
        assert.equal(await store.messages.transition('refused', 'sent', null, ['queued', 'sending'], wire), undefined)
        assert.equal(await store.messages.waMessage('dev1', 'refused'), undefined)
        assert.equal((await store.messages.get('refused'))?.error, 'error 479')
      })

      it('lists queued messages of a session in the order they were accepted, up to a limit', async () => {
        for (const id of ['q3', 'q1', 'q2']) await store.messages.insertOrGetExisting(message({ id }))
        await store.messages.insertOrGetExisting(message({ id: 'sent', status: 'sent' }))
        await store.messages.insertOrGetExisting(message({ id: 'other', deviceId: 'dev2' }))
        assert.deepEqual((await store.messages.nextQueued('dev1', 10)).map((m) => m.id), ['q3', 'q1', 'q2'])
        assert.deepEqual((await store.messages.nextQueued('dev1', 2)).map((m) => m.id), ['q3', 'q1'])
        assert.deepEqual((await store.messages.nextQueued('dev2', 10)).map((m) => m.id), ['other'])
        assert.deepEqual(sorted(await store.messages.devicesWithQueued()), ['dev1', 'dev2'])
        await store.messages.transition('other', 'sending', null, ['queued'])
        assert.deepEqual(await store.messages.devicesWithQueued(), ['dev1'])
      })

      it('moves a message only from an allowed status', async () => {
        const { record } = await store.messages.insertOrGetExisting(message())
        await nextMillisecond()
        const sending = await store.messages.transition('m1', 'sending', null, ['queued'])
        assert.ok(sending)
        assert.equal(sending.status, 'sending')
        assert.ok(sending.updatedAt > record.updatedAt)
        assert.equal(await store.messages.transition('m1', 'sending', null, ['queued']), undefined)
        assert.equal(await store.messages.transition('m1', 'failed', 'boom', []), undefined)
        assert.equal(await store.messages.transition('missing', 'failed', 'boom', ['queued', 'sending']), undefined)
        const failed = await store.messages.transition('m1', 'failed', 'boom', ['queued', 'sending'])
        assert.deepEqual({ status: failed?.status, error: failed?.error }, { status: 'failed', error: 'boom' })
        assert.deepEqual(await store.messages.get('m1'), failed)
      })

      it('requeues messages caught mid-send, per session or all, returning their ids', async () => {
        for (const [id, deviceId] of [['a', 'dev1'], ['b', 'dev1'], ['c', 'dev2'], ['d', 'dev1']] as const) {
          await store.messages.insertOrGetExisting(message({ id, deviceId }))
        }
        for (const id of ['a', 'b', 'c']) await store.messages.transition(id, 'sending', null, ['queued'])
        assert.deepEqual(await store.messages.requeueSending('dev1'), ['a', 'b'])
        assert.equal((await store.messages.get('a'))!.status, 'queued')
        assert.equal((await store.messages.get('c'))!.status, 'sending')
        await store.messages.transition('b', 'sending', null, ['queued'])
        assert.deepEqual(sorted(await store.messages.requeueSending()), ['b', 'c'])
        assert.deepEqual(await store.messages.requeueSending(), [])
        assert.deepEqual((await store.messages.nextQueued('dev1', 10)).map((m) => m.id), ['a', 'b', 'd'])
      })
    })

    describe('inbound messages', () => {
      const inbound = (id: string, chat: string, timestamp: number, deviceId = 'dev1') => ({
        deviceId,
        id,
        chat,
        type: 'text',
        payload: `{"id":"${id}"}`,
        timestamp,
      })

      it('stores a message once per session, with its raw bytes', async () => {
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), new Uint8Array([1, 2, 3])), true)
        assert.equal(await store.inbound.insert({ ...inbound('i1', 'c2', 200), payload: 'changed' }, null), false)
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100, 'dev2'), null), true)
        assert.deepEqual(await store.inbound.get('dev1', 'i1'), { ...inbound('i1', 'c1', 100), readAt: null, fromMe: false, status: null })
        assert.equal(await store.inbound.get('dev1', 'missing'), undefined)
        const raw = await store.inbound.raw('dev1', 'i1')
        assert.ok(Buffer.isBuffer(raw))
        assert.deepEqual(raw, Buffer.from([1, 2, 3]))
        assert.equal(await store.inbound.raw('dev2', 'i1'), undefined)
        assert.equal(await store.inbound.raw('dev1', 'missing'), undefined)
        await store.inbound.updateRaw('dev1', 'i1', new Uint8Array([4]))
        assert.deepEqual(await store.inbound.raw('dev1', 'i1'), Buffer.from([4]))
      })


      it('queues a message\'s deliveries with it, in one transaction, and none for a duplicate', async () => {
        const queuedFor = async () => (await store.deliveries.list('pending', 10)).map((d) => d.eventId)
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), null, [delivery('w1', 'dev1', 'e1'), delivery('w2', 'dev1', 'e1')]), true)
        assert.deepEqual(sorted(await queuedFor()), ['e1', 'e1'])
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), null, [delivery('w1', 'dev1', 'e2')]), false)
        assert.deepEqual(await queuedFor(), ['e1', 'e1'], 'a duplicate queues nothing')
        await assert.rejects(store.inbound.insert(inbound('i2', 'c1', 100), null, [{ ...delivery('w1', 'dev1', 'e3'), body: null as unknown as string }]))
        assert.equal(await store.inbound.get('dev1', 'i2'), undefined, 'a delivery that cannot be queued leaves no message')
        assert.equal(await store.inbound.insert(inbound('i2', 'c1', 100), null, [delivery('w1', 'dev1', 'e4')]), true)
        assert.deepEqual(sorted(await queuedFor()), ['e1', 'e1', 'e4'])
      })

      it('announces once a message an earlier version stored without queueing its event', async () => {
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), null), true)
        await fixture.execute(`UPDATE inbound_messages SET announced = ${backend.name === 'sqlite' ? 0 : 'FALSE'} WHERE id = 'i1'`)
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), null, [delivery('w1', 'dev1', 'e1')]), true, 'stored, never announced: announced now')
        assert.equal(await store.inbound.insert(inbound('i1', 'c1', 100), null, [delivery('w1', 'dev1', 'e2')]), false)
        assert.deepEqual((await store.deliveries.list('pending', 10)).map((d) => d.eventId), ['e1'])
      })
      it('lists a chat newest first, pages with before and limit', async () => {
        await store.inbound.insert(inbound('a', 'c1', 100), null)
        await store.inbound.insert(inbound('b', 'c1', 300), null)
        await store.inbound.insert(inbound('c', 'c1', 200), null)
        await store.inbound.insert(inbound('d', 'c1', 300), null)
        await store.inbound.insert(inbound('e', 'c2', 400), null)
        await store.inbound.insert(inbound('f', 'c1', 500, 'dev2'), null)
        const ids = async (limit: number, before?: number) => (await store.inbound.listByChat('dev1', 'c1', limit, before)).map((m) => m.id)
        assert.deepEqual(await ids(10), ['d', 'b', 'c', 'a'])
        assert.deepEqual(await ids(2), ['d', 'b'])
        assert.deepEqual(await ids(10, 300), ['c', 'a'])
        assert.deepEqual(await ids(1, 300), ['c'])
        assert.deepEqual(await ids(10, 100), [])
      })

      it('finds messages by id, lists a chat\'s unread ones oldest first, and marks them read once', async () => {
        await store.inbound.insert(inbound('a', 'c1', 300), null)
        await store.inbound.insert(inbound('b', 'c1', 100), null)
        await store.inbound.insert(inbound('c', 'c1', 200), null)
        await store.inbound.insert(inbound('d', 'c2', 50), null)
        await store.inbound.insert(inbound('a', 'c1', 300, 'dev2'), null)
        await store.inbound.insert({ ...inbound('mine', 'c1', 250), fromMe: true }, null)
        assert.equal((await store.inbound.get('dev1', 'mine'))?.fromMe, true)
        assert.equal((await store.inbound.get('dev1', 'mine'))?.status, 'sent')
        assert.equal((await store.inbound.get('dev1', 'a'))?.fromMe, false)
        assert.equal((await store.inbound.advanceStatus('dev1', 'mine', 'read', ['sent', 'delivered']))?.status, 'read')
        assert.equal(await store.inbound.advanceStatus('dev1', 'mine', 'delivered', ['sent']), undefined, 'never backwards')
        assert.equal(await store.inbound.advanceStatus('dev1', 'a', 'read', ['sent']), undefined, 'a received message has no status')
        assert.equal(await store.inbound.advanceStatus('dev2', 'mine', 'read', ['sent']), undefined)
        assert.equal((await store.inbound.get('dev1', 'a'))?.status, null)
        const sorted = (records: Array<{ id: string }>) => records.map((r) => r.id).sort()
        assert.deepEqual(sorted(await store.inbound.getMany('dev1', ['a', 'd', 'missing'])), ['a', 'd'])
        assert.deepEqual(await store.inbound.getMany('dev1', []), [])
        assert.deepEqual((await store.inbound.unread('dev1', 'c1', 10)).map((r) => r.id), ['b', 'c', 'a'])
        assert.deepEqual((await store.inbound.unread('dev1', 'c1', 2)).map((r) => r.id), ['b', 'c'])

        await store.inbound.markRead('dev1', ['b', 'a', 'missing'], 1000)
        await store.inbound.markRead('dev1', ['b'], 2000)
        assert.deepEqual((await store.inbound.unread('dev1', 'c1', 10)).map((r) => r.id), ['c'])
        assert.equal((await store.inbound.get('dev1', 'b'))?.readAt, 1000, 'a second read keeps the first time')
        assert.equal((await store.inbound.get('dev2', 'a'))?.readAt, null, 'another session\'s copy stays unread')
        assert.deepEqual((await store.inbound.listByChat('dev1', 'c1', 10)).map((r) => [r.id, r.readAt]), [['a', 1000], ['mine', null], ['c', null], ['b', 1000]])
        assert.equal((await store.chats.list('dev1', 10)).find((c) => c.jid === 'c1')?.unread, 1, 'what the account sent is never unread')
      })

      it('deletes messages stored before a time and counts them', async () => {
        await store.inbound.insert(inbound('old1', 'c1', 1), null)
        await store.inbound.insert(inbound('old2', 'c1', 2, 'dev2'), null)
        const cut = await nextMillisecond()
        await store.inbound.insert(inbound('new', 'c1', 0), null)
        assert.equal(await store.inbound.deleteOlderThan(cut), 2)
        assert.equal(await store.inbound.deleteOlderThan(cut), 0)
        assert.equal(await store.inbound.get('dev1', 'old1'), undefined)
        assert.ok(await store.inbound.get('dev1', 'new'))
      })

      it('deletes more old messages than one sweep statement takes, giving the event loop turns meanwhile', async () => {
        const old = Array.from({ length: DELETE_CHUNK_ROWS * 2 + 1 }, (_, i) => ({
          record: { ...inbound(`old${i}`, 'c1', i), fromMe: false, status: null, readAt: null },
          raw: null,
        }))
        assert.equal(await store.inbound.insertHistory('dev1', old), old.length)
        const cut = await nextMillisecond()
        await store.inbound.insert(inbound('new', 'c1', 0), null)
        let turned = false
        setImmediate(() => (turned = true))
        assert.equal(await store.inbound.deleteOlderThan(cut), old.length)
        assert.ok(turned, 'the event loop turned during the sweep')
        assert.deepEqual((await store.inbound.listByChat('dev1', 'c1', 10)).map((r) => r.id), ['new'])
      })
    })

    describe('chats and contacts', () => {
      const received = (id: string, chat: string, timestamp: number, deviceId = 'dev1') =>
        ({ deviceId, id, chat, type: 'text', payload: `{"id":"${id}"}`, timestamp })
      const listed = async (deviceId = 'dev1') => (await store.chats.list(deviceId, 10)).map((c) => [c.jid, c.lastActivity, c.unread])

      it('lists every chat with a message on either side or a state of its own, pinned first, then newest', async () => {
        await store.inbound.insert(received('a', 'c1', 100), null)
        await store.inbound.insert(received('b', 'c1', 150), null)
        await store.inbound.insert(received('c', 'c2', 400), null)
        await store.inbound.insert(received('e', 'c4', 900, 'dev2'), null)
        await store.inbound.markRead('dev1', ['a'], 1000)
        const sent = await store.messages.insertOrGetExisting(message({ id: 'm-c3', recipient: 'c3' }))
        await store.chats.update('dev1', [{ jid: 'c5', change: { name: 'From history', lastActivity: 50 } }])
        assert.deepEqual(await listed(), [['c3', sent.record.createdAt, 0], ['c2', 400, 1], ['c1', 150, 1], ['c5', 50, 0]])
        assert.deepEqual((await store.chats.list('dev1', 1)).map((c) => c.jid), ['c3'])
        assert.deepEqual(await store.chats.list('nobody', 10), [])

        await store.chats.update('dev1', [{ jid: 'c1', change: { pinnedAt: 5000 } }, { jid: 'c5', change: { pinnedAt: 6000 } }])
        assert.deepEqual((await store.chats.list('dev1', 10)).map((c) => c.jid), ['c5', 'c1', 'c3', 'c2'])
        await store.chats.update('dev1', [{ jid: 'c5', change: { pinnedAt: 0 } }])
        assert.deepEqual((await store.chats.list('dev1', 10)).map((c) => c.jid), ['c1', 'c3', 'c2', 'c5'])

        await store.chats.update('dev1', [{ jid: 'settings-only', change: { archived: true } }])
        await store.inbound.insert(received('status', 'status@broadcast', 999), null)
        assert.deepEqual((await store.chats.list('dev1', 10)).map((c) => c.jid), ['c1', 'c3', 'c2', 'c5', 'settings-only'],
          'a chat known only by its settings is listed; status updates are no chat')
      })

      it('takes a known chat\'s name and activity from history, never its settings', async () => {
        await store.chats.recordHistory('dev1', [{ jid: 'h', change: { name: 'Old name', archived: true, mutedUntil: -1, lastActivity: 100 } }])
        await store.chats.update('dev1', [{ jid: 'h', change: { archived: false, mutedUntil: 0 } }])
        await store.chats.recordHistory('dev1', [{ jid: 'h', change: { name: 'New name', archived: true, mutedUntil: -1, pinnedAt: 5, lastActivity: 50 } }])
        const chat = await store.chats.get('dev1', 'h')
        assert.deepEqual([chat?.name, chat?.archived, chat?.mutedUntil, chat?.pinnedAt], ['New name', false, 0, 0])
        assert.equal((await store.chats.list('dev1', 10))[0]?.lastActivity, 100)
      })

      it('merges chat changes: fields left out keep their value, times only move forward', async () => {
        await store.chats.update('dev1', [{ jid: 'c1', change: { name: 'Team', archived: true, mutedUntil: -1, lastActivity: 500 } }])
        await store.chats.update('dev1', [{ jid: 'c1', change: { markedUnread: true, lastActivity: 100, name: null } }])
        assert.deepEqual(await store.chats.get('dev1', 'c1'), {
          jid: 'c1', name: 'Team', archived: true, pinnedAt: 0, mutedUntil: -1, markedUnread: true, clearedAt: 0,
        })
        await store.chats.update('dev1', [{ jid: 'c1', change: { archived: false, mutedUntil: 0, markedUnread: false } }])
        const [listing] = await store.chats.list('dev1', 10)
        assert.deepEqual({ ...listing }, {
          jid: 'c1', name: 'Team', archived: false, pinnedAt: 0, mutedUntil: 0, markedUnread: false, clearedAt: 0,
          lastActivity: 500, unread: 0, contactName: null, pushName: null,
        })
        assert.equal(await store.chats.get('dev2', 'c1'), undefined)
      })

      it('deletes a chat: its received messages go, and it returns with its next message', async () => {
        await store.inbound.insert(received('a', 'c1', 100), null)
        await store.inbound.insert(received('other', 'c2', 100), null)
        await store.chats.clear('dev1', 'c1', 200)
        assert.equal(await store.inbound.get('dev1', 'a'), undefined)
        assert.ok(await store.inbound.get('dev1', 'other'))
        assert.deepEqual(await listed(), [['c2', 100, 1]])
        await store.chats.clear('dev1', 'c1', 150)
        assert.equal((await store.chats.get('dev1', 'c1'))?.clearedAt, 200, 'never moves back')
        await store.inbound.insert(received('b', 'c1', 300), null)
        assert.deepEqual(await listed(), [['c1', 300, 1], ['c2', 100, 1]])
      })

      it('stars and hides messages per session', async () => {
        await store.chats.markMessage('dev1', 'm1', { starred: true })
        await store.chats.markMessage('dev1', 'm1', { hidden: true })
        await store.chats.markMessage('dev1', 'm2', { starred: true })
        await store.chats.markMessage('dev1', 'm2', { starred: false })
        await store.chats.markMessage('dev2', 'm1', { hidden: false })
        assert.deepEqual([...await store.chats.messageMarks('dev1', ['m1', 'm2', 'm3'])].sort(), [
          ['m1', { starred: true, hidden: true }],
          ['m2', { starred: false, hidden: false }],
        ])
        assert.deepEqual(await store.chats.messageMarks('dev1', []), new Map())
      })

      it('stores history messages once, as read or unread as the phone had them', async () => {
        const record = (id: string, readAt: number | null, fromMe = false) => ({
          record: { ...received(id, 'c1', 100), readAt, fromMe, status: fromMe ? 'read' : null },
          raw: id === 'h1' ? new Uint8Array([7]) : null,
        })
        assert.equal(await store.inbound.insertHistory('dev1', [record('h1', null), record('h2', 50), record('h3', null, true)]), 3)
        assert.equal(await store.inbound.insertHistory('dev1', [record('h1', 99), record('h4', 60)]), 1)
        assert.equal((await store.inbound.get('dev1', 'h1'))?.readAt, null, 'the first copy stays')
        assert.deepEqual([...(await store.inbound.raw('dev1', 'h1')) ?? []], [7])
        assert.deepEqual({ ...(await store.inbound.get('dev1', 'h3')), payload: '' }, {
          deviceId: 'dev1', id: 'h3', chat: 'c1', type: 'text', payload: '', timestamp: 100, readAt: null, fromMe: true, status: 'read',
        })
        assert.equal((await store.chats.list('dev1', 10))[0]?.unread, 1)
      })

      it('merges contacts and names chats after them', async () => {
        await store.contacts.upsert('dev1', [
          { jid: 'b@s.whatsapp.net', name: 'Bea', pushName: null, phoneNumber: 'b', lid: null },
          { jid: 'a@s.whatsapp.net', name: null, pushName: 'Al', phoneNumber: null, lid: '1@lid' },
          { jid: 'z@s.whatsapp.net', name: null, pushName: null, phoneNumber: null, lid: null },
        ])
        await store.contacts.upsert('dev1', [{ jid: 'a@s.whatsapp.net', name: 'Alan', pushName: null, phoneNumber: 'a', lid: null }])
        assert.deepEqual(await store.contacts.get('dev1', 'a@s.whatsapp.net'), { jid: 'a@s.whatsapp.net', name: 'Alan', pushName: 'Al', phoneNumber: 'a', lid: '1@lid' })
        assert.deepEqual((await store.contacts.list('dev1', 10, 0)).map((c) => c.jid), ['a@s.whatsapp.net', 'b@s.whatsapp.net', 'z@s.whatsapp.net'])
        assert.deepEqual((await store.contacts.list('dev1', 1, 1)).map((c) => c.jid), ['b@s.whatsapp.net'])
        assert.deepEqual(await store.contacts.list('dev2', 10, 0), [])
        assert.equal((await store.contacts.findByLid('dev1', '1@lid'))?.jid, 'a@s.whatsapp.net')
        assert.equal(await store.contacts.findByLid('dev1', '2@lid'), undefined)
        assert.equal(await store.contacts.findByLid('dev2', '1@lid'), undefined)
        await store.inbound.insert(received('x', 'a@s.whatsapp.net', 10), null)
        const [chat] = await store.chats.list('dev1', 10)
        assert.deepEqual([chat?.contactName, chat?.pushName], ['Alan', 'Al'])
      })

      it('remembers whose presence a session follows', async () => {
        await store.contacts.upsert('dev1', [{ jid: 'b@s.whatsapp.net', name: 'Bea', pushName: null, phoneNumber: 'b', lid: null }])
        await store.contacts.followPresence('dev1', 'b@s.whatsapp.net')
        await store.contacts.followPresence('dev1', 'a@s.whatsapp.net')
        await store.contacts.followPresence('dev1', 'a@s.whatsapp.net')
        assert.deepEqual(await store.contacts.presenceFollowed('dev1'), ['a@s.whatsapp.net', 'b@s.whatsapp.net'])
        assert.deepEqual(await store.contacts.presenceFollowed('dev2'), [])
        assert.equal((await store.contacts.get('dev1', 'b@s.whatsapp.net'))?.name, 'Bea', 'following keeps what is known')
      })
    })

    describe('webhooks', () => {
      it('creates, lists per session in creation order, gets and deletes webhooks', async () => {
        const hook = (id: string, createdAt: number, deviceId = 'dev1') => ({
          id,
          deviceId,
          url: `https://example.com/${id}`,
          secret: `secret-${id}`,
          events: id === 'w1' ? ['message.received', 'session.status'] : [],
          createdAt,
        })
        await store.webhooks.create(hook('w1', 2000))
        await store.webhooks.create(hook('w3', 1000))
        await store.webhooks.create(hook('w2', 1000))
        await store.webhooks.create(hook('w4', 500, 'dev2'))
        assert.deepEqual(await store.webhooks.listForDevice('dev1'), [hook('w2', 1000), hook('w3', 1000), hook('w1', 2000)])
        assert.deepEqual(await store.webhooks.get('w1'), hook('w1', 2000))
        assert.equal(await store.webhooks.get('missing'), undefined)
        await assert.rejects(store.webhooks.create(hook('w1', 3000)))
        assert.equal(await store.webhooks.delete('w1'), true)
        assert.equal(await store.webhooks.delete('w1'), false)
        assert.deepEqual((await store.webhooks.listForDevice('dev1')).map((w) => w.id), ['w2', 'w3'])
      })
    })

    describe('webhook deliveries', () => {
      const later = () => Date.now() + 1000
      const events = async (status: 'pending' | 'delivered' | 'failed', limit = 100, deviceId?: string) =>
        (await store.deliveries.list(status, limit, deviceId)).map((d) => d.eventId)
      const heads = async (now = later(), limit = 10, busy: ReadonlySet<string> = new Set()) =>
        (await store.deliveries.dueLaneHeads(now, limit, busy)).map((d) => d.eventId)
      const seqOf = async (eventId: string) => (await store.deliveries.list('pending', 100)).find((d) => d.eventId === eventId)!.seq

      it('enqueues deliveries in order, pending and due now', async () => {
        const before = Date.now()
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'e1'), delivery('w1', 'dev1', 'e2'), delivery('w2', 'dev2', 'e3')])
        await store.deliveries.enqueue([])
        const pending = await store.deliveries.list('pending', 10)
        assert.deepEqual(pending.map((d) => d.eventId), ['e3', 'e2', 'e1'])
        assert.ok(pending[0]!.seq > pending[1]!.seq && pending[1]!.seq > pending[2]!.seq)
        const first = pending[2]!
        assert.deepEqual({ ...first, seq: 0, nextAttemptAt: 0, createdAt: 0, updatedAt: 0 }, {
          seq: 0,
          webhookId: 'w1',
          deviceId: 'dev1',
          eventId: 'e1',
          eventType: 'message.received',
          body: '{"id":"e1"}',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: 0,
          lastError: null,
          createdAt: 0,
          updatedAt: 0,
        })
        assert.ok(first.nextAttemptAt >= before && first.nextAttemptAt <= Date.now())
        assert.equal(first.createdAt, first.nextAttemptAt)
        assert.deepEqual(await store.deliveries.get(first.seq), first)
        assert.equal(await store.deliveries.get(first.seq + 1000), undefined)
      })

      it('keeps the order of a large batch', async () => {
        const batch = Array.from({ length: 300 }, (_, i) => delivery('w1', 'dev1', `e${i}`))
        await store.deliveries.enqueue(batch)
        const pending = await store.deliveries.list('pending', 1000)
        assert.deepEqual(pending.map((d) => d.eventId).reverse(), batch.map((d) => d.eventId))
      })

      it('hands out only the oldest pending delivery of each lane, oldest first, up to a limit', async () => {
        await store.deliveries.enqueue([
          delivery('w1', 'dev1', 'a1'),
          delivery('w1', 'dev1', 'a2'),
          delivery('w2', 'dev1', 'b1'),
          delivery('w1', 'dev2', 'c1'),
          delivery('w1', 'dev2', 'c2'),
        ])
        assert.deepEqual(await heads(), ['a1', 'b1', 'c1'])
        assert.deepEqual(await heads(later(), 2), ['a1', 'b1'])
        // Not yet due.
        assert.deepEqual(await heads(Date.now() - 60_000), [])
        // Handed out again until settled: the caller tracks what it is delivering through busy lanes.
        assert.deepEqual(await heads(), ['a1', 'b1', 'c1'])
      })

      it('skips busy lanes without letting them crowd out idle ones', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w2', 'dev1', 'b1'), delivery('w1', 'dev2', 'c1')])
        const busy = new Set([laneKey('w1', 'dev1'), laneKey('w2', 'dev1'), laneKey('w9', 'dev9')])
        assert.deepEqual(await heads(later(), 1, busy), ['c1'])
        assert.deepEqual(await heads(later(), 10, new Set([laneKey('w1', 'dev2')])), ['a1', 'b1'])
      })

      it('moves a lane on once its head is delivered', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2')])
        const a1 = await seqOf('a1')
        const cut = await nextMillisecond()
        await store.deliveries.markDelivered([a1])
        const delivered = (await store.deliveries.get(a1))!
        assert.deepEqual({ status: delivered.status, attempts: delivered.attempts, lastError: delivered.lastError }, {
          status: 'delivered',
          attempts: 1,
          lastError: null,
        })
        assert.ok(delivered.updatedAt >= cut)
        assert.deepEqual(await heads(), ['a2'])
        assert.deepEqual(await events('delivered'), ['a1'])
      })

      it('hands out one lane\'s head when it is due, and nothing for an empty or waiting lane', async () => {
        const head = async (webhookId: string, deviceId: string, now = later()) =>
          (await store.deliveries.claimLaneHead(webhookId, deviceId, now))?.eventId
        assert.equal(await head('w1', 'dev1'), undefined)
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w1', 'dev2', 'c1')])
        assert.equal(await head('w1', 'dev1'), 'a1')
        assert.equal(await head('w1', 'dev1', Date.now() - 60_000), undefined, 'not yet due')
        await store.deliveries.markDelivered([await seqOf('a1')])
        assert.equal(await head('w1', 'dev1'), 'a2')
        const a2 = await seqOf('a2')
        await store.deliveries.scheduleRetry(a2, Date.now() + 10_000, 'HTTP 500')
        assert.equal(await head('w1', 'dev1'), undefined, 'its head waits for a retry')
        assert.equal(await head('w1', 'dev1', Date.now() + 10_000), 'a2')
        await store.deliveries.markFailed(a2, 'HTTP 410')
        assert.equal(await head('w1', 'dev1'), undefined)
        assert.equal(await head('w1', 'dev2'), 'c1')
      })

      it('holds a lane back while its head waits for a retry', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w2', 'dev1', 'b1')])
        const a1 = await seqOf('a1')
        const retryAt = Date.now() + 10_000
        await store.deliveries.scheduleRetry(a1, retryAt, 'HTTP 500')
        const retried = (await store.deliveries.get(a1))!
        assert.deepEqual({ status: retried.status, attempts: retried.attempts, nextAttemptAt: retried.nextAttemptAt, lastError: retried.lastError }, {
          status: 'pending',
          attempts: 1,
          nextAttemptAt: retryAt,
          lastError: 'HTTP 500',
        })
        assert.deepEqual(await heads(), ['b1'])
        assert.deepEqual(await heads(retryAt), ['b1', 'a1'])
        await store.deliveries.scheduleRetry(a1, retryAt + 5, 'HTTP 502')
        assert.equal((await store.deliveries.get(a1))!.attempts, 2)
      })

      it('tells when the next lane head is due', async () => {
        const none = new Set<string>()
        assert.equal(await store.deliveries.nextDueAt(Date.now(), none), undefined)
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w2', 'dev1', 'b1')])
        const [a1, b1] = [await seqOf('a1'), await seqOf('b1')]
        await store.deliveries.scheduleRetry(a1, 5_000_000_000_000, 'x')
        await store.deliveries.scheduleRetry(b1, 4_000_000_000_000, 'x')
        assert.equal(await store.deliveries.nextDueAt(Date.now(), none), 4_000_000_000_000)
        await store.deliveries.markDelivered([b1])
        assert.equal(await store.deliveries.nextDueAt(Date.now(), none), 5_000_000_000_000)
        await store.deliveries.markFailed(a1, 'gone')
        assert.equal(await store.deliveries.nextDueAt(Date.now(), none), undefined)
      })

      it('does not count deliveries waiting behind a retrying head, nor lanes busy here', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w2', 'dev1', 'b1')])
        const [a1, b1] = [await seqOf('a1'), await seqOf('b1')]
        await store.deliveries.scheduleRetry(a1, 5_000_000_000_000, 'x')
        // a2 is due but waits behind a1; b1 is due now unless its lane is in flight here.
        const b1Due = (await store.deliveries.get(b1))!.nextAttemptAt
        assert.equal(await store.deliveries.nextDueAt(Date.now(), new Set()), b1Due)
        assert.equal(await store.deliveries.nextDueAt(Date.now(), new Set([laneKey('w2', 'dev1')])), 5_000_000_000_000)
      })

      it('fails a delivery for good, letting its lane move on, and redelivers it on demand', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2')])
        const a1 = await seqOf('a1')
        await store.deliveries.scheduleRetry(a1, Date.now(), 'HTTP 500')
        await store.deliveries.markFailed(a1, 'HTTP 410')
        const failed = (await store.deliveries.get(a1))!
        assert.deepEqual({ status: failed.status, attempts: failed.attempts, lastError: failed.lastError }, {
          status: 'failed',
          attempts: 2,
          lastError: 'HTTP 410',
        })
        assert.deepEqual(await heads(), ['a2'])
        assert.deepEqual(await events('failed'), ['a1'])

        const before = Date.now()
        const again = await store.deliveries.redeliver(a1)
        assert.ok(again)
        assert.deepEqual({ status: again.status, attempts: again.attempts, lastError: again.lastError }, {
          status: 'pending',
          attempts: 2,
          lastError: 'HTTP 410',
        })
        assert.ok(again.nextAttemptAt >= before && again.nextAttemptAt <= Date.now())
        assert.deepEqual(await store.deliveries.get(a1), again)
        // Back in its lane, where it is the oldest again.
        assert.deepEqual(await heads(), ['a1'])
        assert.equal(await store.deliveries.redeliver(a1), undefined)
        assert.equal(await store.deliveries.redeliver(a1 + 1000), undefined)
        await store.deliveries.markDelivered([a1])
        assert.equal(await store.deliveries.redeliver(a1), undefined)
      })

      it('lists deliveries by status, newest first, per session and up to a limit', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev2', 'b1'), delivery('w1', 'dev1', 'a2'), delivery('w2', 'dev1', 'c1')])
        assert.deepEqual(await events('pending'), ['c1', 'a2', 'b1', 'a1'])
        assert.deepEqual(await events('pending', 2), ['c1', 'a2'])
        assert.deepEqual(await events('pending', 10, 'dev1'), ['c1', 'a2', 'a1'])
        assert.deepEqual(await events('pending', 1, 'dev2'), ['b1'])
        assert.deepEqual(await events('delivered'), [])
      })

      it('hands a broker the pending deliveries behind a lane head, marks a batch delivered, and counts the backlog per destination', async () => {
        await store.deliveries.enqueue(['e1', 'e2', 'e3', 'e4'].map((id) => delivery('amqp', 'dev1', id)))
        await store.deliveries.enqueue([delivery('amqp', 'dev2', 'x1'), delivery('wh_1', 'dev1', 'w1')])
        const head = (await store.deliveries.dueLaneHeads(Date.now(), 10, new Set())).find((d) => d.webhookId === 'amqp' && d.deviceId === 'dev1')!
        assert.equal(head.eventId, 'e1')
        const behind = await store.deliveries.pendingBehind(head, 2)
        assert.deepEqual(behind.map((d) => d.eventId), ['e2', 'e3'])
        assert.deepEqual(await store.deliveries.pendingCounts(), { amqp: 5, wh_1: 1 })
        await store.deliveries.markDelivered([head.seq, ...behind.map((d) => d.seq)])
        assert.deepEqual(await store.deliveries.pendingCounts(), { amqp: 2, wh_1: 1 })
        const next = (await store.deliveries.dueLaneHeads(Date.now(), 10, new Set())).find((d) => d.webhookId === 'amqp' && d.deviceId === 'dev1')!
        assert.equal(next.eventId, 'e4')
      })

      it('deletes the deliveries of a webhook, whatever their status', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev2', 'a2'), delivery('w2', 'dev1', 'b1')])
        await store.deliveries.markDelivered([await seqOf('a1')])
        await store.deliveries.deleteForWebhook('w1')
        assert.deepEqual(await events('pending'), ['b1'])
        assert.deepEqual(await events('delivered'), [])
      })

      it('deletes a webhook\'s history of more deliveries than one statement walks, leaving other webhooks\'', async () => {
        const count = DELETE_CHUNK_ROWS + 10
        await store.deliveries.enqueue(Array.from({ length: count }, (_, i) => delivery(i % 2 === 0 ? 'w1' : 'w2', 'dev1', `e${i}`)))
        const queued = await store.deliveries.list('pending', count)
        await store.deliveries.markDelivered(queued.filter((d) => d.webhookId === 'w1' && d.seq % 3 === 0).map((d) => d.seq))
        await store.deliveries.deleteForWebhook('w1')
        const left = [...(await store.deliveries.list('pending', count)), ...(await store.deliveries.list('delivered', count))]
        assert.deepEqual(new Set(left.map((d) => d.webhookId)), new Set(['w2']))
        assert.equal(left.length, count / 2)
      })

      it('prunes delivered deliveries last updated before a time and counts them', async () => {
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w2', 'dev1', 'b1'), delivery('w3', 'dev1', 'c1')])
        const [a1, a2, b1, c1] = [await seqOf('a1'), await seqOf('a2'), await seqOf('b1'), await seqOf('c1')]
        await store.deliveries.markDelivered([a1])
        await store.deliveries.markFailed(b1, 'x')
        const cut = await nextMillisecond()
        await store.deliveries.markDelivered([a2])
        assert.equal(await store.deliveries.deleteDeliveredBefore(cut), 1)
        assert.equal(await store.deliveries.get(a1), undefined)
        assert.equal((await store.deliveries.get(a2))?.status, 'delivered')
        assert.equal((await store.deliveries.get(b1))?.status, 'failed')
        assert.equal((await store.deliveries.get(c1))?.status, 'pending')
        assert.equal(await store.deliveries.deleteDeliveredBefore(Date.now() + 1), 1)
      })

      it('prunes delivered deliveries queued behind more failed ones than one sweep statement takes', async () => {
        const failed = DELETE_CHUNK_ROWS + 1
        await store.deliveries.enqueue(Array.from({ length: failed + 20 }, (_, i) => delivery('w1', 'dev1', `e${i}`)))
        const queued = (await store.deliveries.list('pending', failed + 20)).map((d) => d.seq).sort((a, b) => a - b)
        for (const seq of queued.slice(0, failed)) await store.deliveries.markFailed(seq, 'gave up')
        await store.deliveries.markDelivered(queued.slice(failed))
        const cut = await nextMillisecond()
        await store.deliveries.enqueue([delivery('w1', 'dev1', 'later')])
        await store.deliveries.markDelivered([await seqOf('later')])
        assert.equal(await store.deliveries.deleteDeliveredBefore(cut), 20)
        assert.deepEqual(await events('delivered'), ['later'])
        assert.equal((await store.deliveries.list('failed', failed + 1)).length, failed)
      })
    })

    describe('dashboard logins', () => {
      it('finds a login until it expires, deletes it, and prunes expired ones', async () => {
        const login = { tokenHash: 'h1', csrfToken: 'csrf', expiresAt: 10_000 }
        await store.dashboardLogins.create(login)
        await store.dashboardLogins.create({ tokenHash: 'h2', csrfToken: 'c2', expiresAt: 20_000 })
        await store.dashboardLogins.create({ tokenHash: 'h3', csrfToken: 'c3', expiresAt: 30_000 })
        assert.deepEqual(await store.dashboardLogins.find('h1', 9_999), login)
        assert.equal(await store.dashboardLogins.find('h1', 10_000), undefined)
        assert.equal(await store.dashboardLogins.find('missing', 0), undefined)
        await assert.rejects(store.dashboardLogins.create(login))

        assert.equal(await store.dashboardLogins.deleteExpired(20_000), 2)
        assert.equal(await store.dashboardLogins.deleteExpired(20_000), 0)
        assert.equal(await store.dashboardLogins.find('h2', 0), undefined)
        await store.dashboardLogins.delete('h3')
        await store.dashboardLogins.delete('h3')
        assert.equal(await store.dashboardLogins.find('h3', 0), undefined)
      })
    })
  })
}
