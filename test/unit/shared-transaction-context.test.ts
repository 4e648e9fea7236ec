import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { addTransactionCapability, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys'
import { pino } from 'pino'
import { requireAsLibsignal } from '../../src/whatsapp/libsignal-patch.js'
import { socketTransactionStore } from '../../src/whatsapp/shared-transaction-context.js'
import { hasFastProperties } from '../support/v8-natives.js'

/** libsignal's job queue, the instance Baileys' libsignal uses: one queue per address, for every store in the process. */
const queueJob = requireAsLibsignal('./queue_job.js') as <T>(bucket: string, awaitable: () => Promise<T>) => Promise<T>

describe("libsignal's job queue", () => {
  it('lets go of a finished job while its address stays busy', async () => {
    setFlagsFromString('--expose-gc')
    const collectGarbage = runInNewContext('gc') as () => void
    const blocker = (): { job: Promise<void>; release: () => void } => {
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      return { job: queueJob('busy.0', () => held), release }
    }
    // What a job's closure holds (in Baileys, the transaction's keys): unreachable once it has run.
    const enqueueHolding = (): { done: Promise<number>; payload: WeakRef<object> } => {
      const payload = { bytes: new Uint8Array(64 * 1024) }
      return { done: queueJob('busy.0', async () => payload.bytes.length), payload: new WeakRef(payload) }
    }
    // The first job starts the queue's executor; the address then stays busy, as when many sessions
    // encrypt for one contact, so its queue does not drain.
    const first = enqueueHolding()
    const before = blocker()
    const later = enqueueHolding()
    const after = blocker()
    assert.equal(await first.done, 64 * 1024)
    before.release()
    assert.equal(await later.done, 64 * 1024)
    await new Promise((resolve) => setImmediate(resolve))
    collectGarbage()
    assert.equal(first.payload.deref(), undefined)
    assert.equal(later.payload.deref(), undefined)
    after.release()
    await Promise.all([before.job, after.job])
  })

  it("runs each job in its own caller's async context, also when queued behind another caller's", async () => {
    const context = new AsyncLocalStorage<string>()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    // The first caller starts the address's executor; the second's job then runs from that executor.
    const first = context.run('first caller', () => queueJob('shared.0', async () => [await held, context.getStore()][1]))
    const second = context.run('second caller', () => queueJob('shared.0', async () => context.getStore()))
    release()
    assert.deepEqual(await Promise.all([first, second]), ['first caller', 'second caller'])
  })

  it('leaves the job function as it was given', async () => {
    // Upstream renamed it after its address, which (as did binding it to an async context) made a
    // function a dictionary on every message encrypted or decrypted.
    // Made outside tsx's transform, which names functions through defineProperty itself.
    const job = runInNewContext('async () => 1') as () => Promise<number>
    assert.ok(hasFastProperties(job))
    assert.equal(await queueJob('plain.0', job), 1)
    assert.equal(job.name, '')
    assert.ok(hasFastProperties(job))
  })
})

describe('socketTransactionStore', () => {
  it('gives each socket a view of one shared store, not an AsyncLocalStorage of its own', () => {
    const first = socketTransactionStore()
    const second = socketTransactionStore()
    assert.notEqual(first, second)
    assert.ok(!(first instanceof AsyncLocalStorage))
    assert.equal(first.run('first', () => [first.getStore(), second.getStore()]).join(), 'first,')
  })

  it('keeps concurrent async chains apart', async () => {
    const store = socketTransactionStore()
    const seen: Array<[string, unknown]> = []
    const chain = (name: string) =>
      store.run(name, async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((resolve) => setImmediate(resolve))
          seen.push([name, store.getStore()])
        }
      })
    await Promise.all([chain('socket A'), chain('socket B')])
    assert.ok(seen.every(([name, value]) => name === value))
    assert.equal(store.getStore(), undefined)
  })

  it('never shows one socket another socket\'s transaction, even when that context reaches its code', async () => {
    const socketA = socketTransactionStore()
    const socketB = socketTransactionStore()
    // A callback scheduled inside A's transaction that does B's work, as a shared connection pool does.
    const seenByB = await new Promise<unknown>((resolve) => {
      socketA.run('A transaction', () => {
        setImmediate(() => resolve(socketB.getStore()))
      })
    })
    assert.equal(seenByB, undefined)
    const nested = socketA.run('A transaction', () => socketB.run('B transaction', () => [socketA.getStore(), socketB.getStore()]))
    assert.deepEqual(nested, ['A transaction', 'B transaction'])
  })

  it('ends a transaction\'s context with the transaction, for work it started that outlives it', async () => {
    const store = socketTransactionStore()
    let finished!: () => void
    const transactionOver = new Promise<void>((resolve) => (finished = resolve))
    let seenDuring: unknown
    let seenAfter: unknown = 'not yet'
    let late!: Promise<void>
    await store.run('transaction', async () => {
      late = transactionOver.then(() => {
        seenAfter = store.getStore()
      })
      await new Promise((resolve) => setImmediate(resolve))
      seenDuring = store.getStore()
    })
    finished()
    await late
    assert.equal(seenDuring, 'transaction')
    assert.equal(seenAfter, undefined)
    assert.equal(store.run('sync', () => store.getStore()), 'sync')
  })

  it('keeps each socket\'s libsignal jobs in its own transaction when sockets share an address\'s queue (a patch)', async () => {
    // Two accounts encrypt to the same contact: libsignal queues both jobs under that address and
    // runs them one after the other in a loop started by the first. Each job's session write must
    // join its own socket's transaction, committed once with that transaction's other writes.
    const commits: Array<[string, string[]]> = []
    const socket = (name: string) => addTransactionCapability({
      get: async <T extends keyof SignalDataTypeMap>() => ({}) as { [id: string]: SignalDataTypeMap[T] },
      set: async (data: SignalDataSet) => void commits.push([name, Object.keys(data)]),
    }, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 0, storage: socketTransactionStore() })
    const [a, b] = [socket('A'), socket('B')]
    let releaseA!: () => void
    const aHolds = new Promise<void>((resolve) => (releaseA = resolve))
    const send = (keys: ReturnType<typeof socket>, held?: Promise<void>) => keys.transaction(async () => {
      await queueJob('contact.0', async () => {
        await held
        await keys.set({ session: { 'contact.0': new Uint8Array([1]) } })
      })
      await keys.set({ 'sender-key-memory': { 'contact@s.whatsapp.net': { 'contact.0': true } } })
    }, 'me')
    const sendA = send(a, aHolds)
    const sendB = send(b)
    releaseA()
    await Promise.all([sendA, sendB])
    assert.deepEqual(commits.sort(), [['A', ['session', 'sender-key-memory']], ['B', ['session', 'sender-key-memory']]])
  })

  it('lets a key write that outlives Baileys\' transaction reach the store (the privacy-token write)', async () => {
    const written: SignalDataSet[] = []
    const raw = {
      get: async <T extends keyof SignalDataTypeMap>() => ({}) as { [id: string]: SignalDataTypeMap[T] },
      set: async (data: SignalDataSet) => void written.push(data),
    }
    const keys = addTransactionCapability(raw, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 0, storage: socketTransactionStore() })
    let finished!: () => void
    const transactionOver = new Promise<void>((resolve) => (finished = resolve))
    let late!: Promise<void>
    await keys.transaction(async () => {
      await keys.set({ session: { 'contact.0': new Uint8Array([1]) } })
      // Fire-and-forget, as relayMessage does after a one-to-one send.
      late = transactionOver.then(() => keys.set({ tctoken: { 'contact@lid': { token: Buffer.alloc(0), senderTimestamp: 1 } } }))
    }, 'me')
    finished()
    await late
    assert.deepEqual(written.map((data) => Object.keys(data)), [['session'], ['tctoken']])
  })
})
