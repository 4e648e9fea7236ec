import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { addTransactionCapability, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { pino } from 'pino'
import { createSqliteAuthStateRepository } from '../../src/store/sqlite/auth-state-repository.js'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { createSqliteSessionRepository } from '../../src/store/sqlite/session-repository.js'
import { databaseAuthState } from '../../src/whatsapp/auth-state.js'
import { KeyCache } from '../../src/whatsapp/key-cache.js'
import { requireAsLibsignal } from '../../src/whatsapp/libsignal-patch.js'
import { socketTransactionStore } from '../../src/whatsapp/shared-transaction-context.js'
import { tempDir } from '../support/temp-dir.js'
import { sameHiddenClass } from '../support/v8-natives.js'

/** libsignal's session record, as patched (patches/libsignal+6.0.0.patch): the one Baileys loads. */
interface SessionEntry {
  addChain(key: Buffer, value: unknown): void
  getChain(key: Buffer): unknown
  deleteChain(key: Buffer): void
}
interface SessionRecord {
  sessions: Record<string, SessionEntry>
  serialize(): { _sessions: Record<string, { _chains: object }>; version: string }
}
const SessionRecord = requireAsLibsignal('./session_record.js') as {
  deserialize(data: unknown): SessionRecord
  createEntry(): SessionEntry
}


const base64 = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64'))
const chain = fc.record({
  chainKey: fc.record({ counter: fc.nat(2000), key: fc.option(base64(32), { nil: undefined }) }),
  chainType: fc.constantFrom(1, 2),
  messageKeys: fc.dictionary(fc.nat(2000).map(String), base64(32), { maxKeys: 3 }),
})
const entry = fc.record(
  {
    registrationId: fc.nat(16380),
    currentRatchet: fc.record({
      ephemeralKeyPair: fc.record({ pubKey: base64(33), privKey: base64(32) }),
      lastRemoteEphemeralKey: base64(33),
      previousCounter: fc.nat(2000),
      rootKey: base64(32),
    }),
    indexInfo: fc.record({
      baseKey: base64(33),
      baseKeyType: fc.constantFrom(1, 2),
      closed: fc.constantFrom(-1, 1_700_000_000_000),
      used: fc.nat(),
      created: fc.nat(),
      remoteIdentityKey: base64(33),
    }),
    _chains: fc.dictionary(base64(33), chain, { minKeys: 1, maxKeys: 3 }),
    pendingPreKey: fc.record({ signedKeyId: fc.nat(), baseKey: base64(33), preKeyId: fc.nat() }),
  },
  { requiredKeys: ['registrationId', 'currentRatchet', 'indexInfo', '_chains'] },
)
const record = fc.record({ _sessions: fc.dictionary(base64(33), entry, { minKeys: 1, maxKeys: 3 }), version: fc.constant('v1') })

describe('libsignal session records', () => {
  it('serialize to what they were read from, keys and their order included', () => {
    fc.assert(
      fc.property(record, (data) => {
        assert.equal(JSON.stringify(SessionRecord.deserialize(structuredClone(data)).serialize()), JSON.stringify(data))
      }),
    )
  })

  it('share one hidden class however their sessions and chains are keyed', () => {
    // Keys differ for every session and ratchet step: with plain objects each key made V8 a hidden class.
    const [one, two] = fc.sample(record, { numRuns: 2, seed: 7 }).map((data) => SessionRecord.deserialize(data)) as [SessionRecord, SessionRecord]
    assert.ok(sameHiddenClass(one.sessions, two.sessions))
    const [a, b] = [one.serialize(), two.serialize()]
    assert.ok(sameHiddenClass(a._sessions, b._sessions))
    assert.ok(sameHiddenClass(Object.values(a._sessions)[0]!._chains, Object.values(b._sessions)[0]!._chains))
  })

  it('serialize a session with or without a pending pre-key into one hidden class', () => {
    const [data] = fc.sample(record, { numRuns: 1, seed: 3 })
    const session = Object.values(data!._sessions)[0]!
    const withPending = { ...session, pendingPreKey: { signedKeyId: 1, baseKey: Buffer.alloc(33, 1).toString('base64'), preKeyId: 2 } }
    const withoutPending = { ...session, pendingPreKey: undefined }
    const serialized = [withPending, withoutPending].map((entry) => {
      const { _sessions } = SessionRecord.deserialize({ _sessions: { key: entry }, version: 'v1' }).serialize()
      return _sessions.key!
    })
    // Added after the literal, the property gave two hidden classes, and a new one each time when the literal's was made with V8's table full.
    assert.ok(sameHiddenClass(serialized[0]!, serialized[1]!))
    assert.equal(JSON.stringify(serialized[1]), JSON.stringify(withoutPending))
    assert.equal(JSON.stringify(serialized[0]), JSON.stringify(withPending))
  })

  it('still refuses to overwrite a chain or delete one it does not have', () => {
    const session = SessionRecord.createEntry()
    const key = Buffer.alloc(33, 5)
    session.addChain(key, { chainType: 1 })
    assert.deepEqual(session.getChain(key), { chainType: 1 })
    assert.throws(() => session.addChain(key, { chainType: 2 }), /Overwrite attempt/)
    session.deleteChain(key)
    assert.equal(session.getChain(key), undefined)
    assert.throws(() => session.deleteChain(key), ReferenceError)
    // Names Object.prototype has are not chains.
    assert.throws(() => session.deleteChain(Buffer.from('constructor', 'base64')), ReferenceError)
  })
})

describe("Baileys' key transactions", () => {
  it('hand out and commit keys by JID without a hidden class per JID', async () => {
    const committed: SignalDataSet[] = []
    const keys = addTransactionCapability({
      get: async <T extends keyof SignalDataTypeMap>(_type: T, ids: string[]) =>
        Object.fromEntries(ids.map((id) => [id, new Uint8Array([1])])) as { [id: string]: SignalDataTypeMap[T] },
      set: async (data: SignalDataSet) => void committed.push(data),
    }, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 0, storage: socketTransactionStore() })
    const readAndWrite = (id: string) => keys.transaction(async () => {
      const found = await keys.get('session', [id])
      await keys.set({ session: { [id]: new Uint8Array([2]) } })
      return found
    }, 'me')
    const [one, two] = [await readAndWrite('111.0'), await readAndWrite('222.0')]
    assert.deepEqual([Object.keys(one), Object.keys(two)], [['111.0'], ['222.0']])
    assert.ok(sameHiddenClass(one, two))
    assert.deepEqual(committed.map(({ session }) => Object.keys(session ?? {})), [['111.0'], ['222.0']])
    assert.ok(sameHiddenClass(committed[0]!.session!, committed[1]!.session!))
  })
})

describe("Baileys' LID mappings", () => {
  it('store a mapping per user without a hidden class per user', async () => {
    // Not exported by Baileys: loaded from its file, as its Signal repository loads it.
    const lidMappingFile = new URL('Signal/lid-mapping.js', pathToFileURL(createRequire(import.meta.url).resolve('@whiskeysockets/baileys')))
    const { LIDMappingStore } = (await import(lidMappingFile.href)) as {
      LIDMappingStore: new (keys: object, logger: object) => { storeLIDPNMappings(pairs: Array<{ lid: string; pn: string }>): Promise<string[]> }
    }
    const written: SignalDataSet[] = []
    const store = new LIDMappingStore({
      get: async () => Object.create(null) as object,
      set: async (data: SignalDataSet) => void written.push(data),
      transaction: async <T>(work: () => Promise<T>) => work(),
    }, pino({ level: 'silent' }))
    // Phone numbers and LID users as WhatsApp has them: past 2^32, so names to V8, not array indices.
    assert.deepEqual(await store.storeLIDPNMappings([{ lid: '104857600000011@lid', pn: '15550000011@s.whatsapp.net' }]), ['104857600000011'])
    assert.deepEqual(await store.storeLIDPNMappings([{ lid: '104857600000022@lid', pn: '15550000022@s.whatsapp.net' }]), ['104857600000022'])
    const [first, second] = written.map((data) => data['lid-mapping']!)
    assert.deepEqual({ ...first }, { '15550000011': '104857600000011', '104857600000011_reverse': '15550000011' })
    assert.deepEqual({ ...second }, { '15550000022': '104857600000022', '104857600000022_reverse': '15550000022' })
    assert.ok(sameHiddenClass(first!, second!))
  })
})

describe('Signal keys cached from the database', () => {
  it('keep what is keyed by data as dictionaries, whatever the keys', async () => {
    const db = openDatabase(tempDir())
    await createSqliteSessionRepository(db).create('dev1', 'running')
    const repository = createSqliteAuthStateRepository(db, new GroupCommit(db))
    const [first, second] = fc.sample(record, { numRuns: 2, seed: 11 })
    await repository.writeKeys('dev1', [
      { type: 'session', id: 'a.0', value: JSON.stringify(first) },
      { type: 'session', id: 'b.0', value: JSON.stringify(second) },
      { type: 'sender-key-memory', id: 'g1@g.us', value: JSON.stringify({ 'a:1@s.whatsapp.net': true }) },
      { type: 'sender-key-memory', id: 'g2@g.us', value: JSON.stringify({ 'b:2@s.whatsapp.net': true }) },
    ])
    const { keys } = (await databaseAuthState(repository, 'dev1', { cache: new KeyCache(1024 * 1024) })).state
    const sessions = await keys.get('session', ['a.0', 'b.0'])
    assert.ok(sameHiddenClass(await keys.get('session', ['a.0']), await keys.get('session', ['b.0'])))
    const [a, b] = [sessions['a.0'], sessions['b.0']] as unknown as Array<{ _sessions: Record<string, { _chains: object }> }>
    assert.equal(JSON.stringify(a), JSON.stringify(first))
    assert.ok(sameHiddenClass(a!._sessions, b!._sessions))
    assert.ok(sameHiddenClass(Object.values(a!._sessions)[0]!._chains, Object.values(b!._sessions)[0]!._chains))
    const memory = await keys.get('sender-key-memory', ['g1@g.us', 'g2@g.us'])
    assert.deepEqual({ ...memory['g1@g.us'] }, { 'a:1@s.whatsapp.net': true })
    assert.ok(sameHiddenClass(memory['g1@g.us']!, memory['g2@g.us']!))
    // What libsignal reads from them is the record as written.
    assert.equal(JSON.stringify(SessionRecord.deserialize(a).serialize()), JSON.stringify(first))
    db.close()
  })
})
