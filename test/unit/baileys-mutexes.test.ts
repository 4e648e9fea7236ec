import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addTransactionCapability, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys'
import { makeKeyedMutex, makeMutex } from '@whiskeysockets/baileys/lib/Utils/make-mutex.js'
import { pino } from 'pino'
import { socketTransactionStore } from '../../src/whatsapp/shared-transaction-context.js'

/** Baileys' key store with transactions, over a store that records its commits. */
function transactionalKeys(): { keys: ReturnType<typeof addTransactionCapability>; commits: SignalDataSet[] } {
  const commits: SignalDataSet[] = []
  const keys = addTransactionCapability({
    get: async <T extends keyof SignalDataTypeMap>() => ({}) as { [id: string]: SignalDataTypeMap[T] },
    set: async (data: SignalDataSet) => void commits.push(data),
  }, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 0, storage: socketTransactionStore() })
  return { keys, commits }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// Baileys' mutexes are promise chains (a patch), in place of async-mutex's.
describe("Baileys' key transactions", () => {
  it('run one at a time per key, in the order asked, each committed before the next begins', async () => {
    const { keys, commits } = transactionalKeys()
    const steps: string[] = []
    const transaction = (name: string) => keys.transaction(async () => {
      steps.push(`${name} begins after ${commits.length} commits`)
      await turn()
      await keys.set({ session: { [name]: new Uint8Array([1]) } })
      steps.push(`${name} ends`)
      return name
    }, 'me')
    assert.deepEqual(await Promise.all([transaction('a'), transaction('b'), transaction('c')]), ['a', 'b', 'c'])
    assert.deepEqual(steps, ['a begins after 0 commits', 'a ends', 'b begins after 1 commits', 'b ends', 'c begins after 2 commits', 'c ends'])
    assert.deepEqual(commits.map((data) => Object.keys(data.session!)), [['a'], ['b'], ['c']])
  })

  it('fail alone: a transaction that throws rejects its caller, commits nothing, and the next one runs', async () => {
    const { keys, commits } = transactionalKeys()
    const failing = keys.transaction(async () => {
      await keys.set({ session: { lost: new Uint8Array([1]) } })
      throw new Error('boom')
    }, 'me')
    const next = keys.transaction(async () => {
      await keys.set({ session: { kept: new Uint8Array([1]) } })
      return 'next'
    }, 'me')
    await assert.rejects(failing, /boom/)
    assert.equal(await next, 'next')
    assert.deepEqual(commits.map((data) => Object.keys(data.session!)), [['kept']])
    // the key's mutex is free again: a later transaction does not wait on the failed one
    assert.equal(await keys.transaction(async () => 'later', 'me'), 'later')
  })

  it('overlap across keys', async () => {
    const { keys } = transactionalKeys()
    let releaseFirst!: () => void
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve))
    const first = keys.transaction(() => firstHolds.then(() => 'first'), 'me')
    // runs to the end while the first, under another key, still holds its own
    assert.equal(await keys.transaction(async () => 'second', 'other'), 'second')
    releaseFirst()
    assert.equal(await first, 'first')
  })
})

describe("Baileys' mutexes", () => {
  it('run tasks one at a time in the order asked; a task that fails rejects alone', async () => {
    const { mutex } = makeMutex()
    const steps: string[] = []
    const task = (name: string, fail = false) => mutex(async () => {
      steps.push(`${name} begins`)
      await turn()
      steps.push(`${name} ends`)
      if (fail) throw new Error(`${name} failed`)
      return name
    })
    const [a, b, c] = [task('a'), task('b', true), task('c')]
    assert.equal(await a, 'a')
    await assert.rejects(b, /b failed/)
    assert.equal(await c, 'c')
    assert.deepEqual(steps, ['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends'])
    // a task that throws before its first await is no different
    await assert.rejects(mutex(() => { throw new Error('at once') }), /at once/)
    assert.equal(await mutex(() => 'after'), 'after')
  })

  it('keyed: one at a time per key, keys side by side', async () => {
    const { mutex } = makeKeyedMutex()
    const steps: string[] = []
    let releaseFirst!: () => void
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve))
    const first = mutex('a', async () => {
      await firstHolds
      steps.push('a first')
    })
    const second = mutex('a', async () => void steps.push('a second'))
    await mutex('b', async () => void steps.push('b'))
    releaseFirst()
    await Promise.all([first, second])
    assert.deepEqual(steps, ['b', 'a first', 'a second'])
  })
})
