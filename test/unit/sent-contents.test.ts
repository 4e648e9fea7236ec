import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SentContents } from '../../src/messaging/sent-contents.js'
import type { MessageRepository } from '../../src/store/ports.js'

describe('SentContents', () => {
  it('answers a retry receipt for a message whose record is still being written from memory, then from the database', async () => {
    const stored = new Map<string, Uint8Array>()
    const contents = new SentContents({ waMessage: async (deviceId: string, id: string) => (deviceId === 'd1' ? stored.get(id) : undefined) } as unknown as MessageRepository)
    let land!: () => void
    const write = new Promise<void>((resolve) => (land = resolve)).then(() => void stored.set('m1', Uint8Array.of(2)))
    const recording = contents.whileRecording('d1', 'm1', Uint8Array.of(1), write)
    assert.deepEqual(await contents.get('d1', 'm1'), Uint8Array.of(1), 'held while the write is under way')
    assert.equal(await contents.get('d2', 'm1'), undefined, 'never for another session')
    land()
    await recording
    assert.deepEqual(await contents.get('d1', 'm1'), Uint8Array.of(2), 'read from the database once written')

    const failed = contents.whileRecording('d1', 'm2', Uint8Array.of(3), Promise.reject(new Error('database unavailable')))
    await assert.rejects(failed, /database unavailable/, 'the write\'s failure is the caller\'s')
    assert.deepEqual(await contents.get('d1', 'm2'), Uint8Array.of(3), 'on the wire but not recorded: still held for a retry')
    assert.equal(await contents.get('d2', 'm2'), undefined, 'never for another session')
  })

  it('keeps the last 1,000 messages whose record failed, and forgets one once it is recorded', async () => {
    const contents = new SentContents({ waMessage: async () => undefined } as unknown as MessageRepository)
    const down = (): Promise<void> => Promise.reject(new Error('database unavailable'))
    for (let index = 0; index <= 1_000; index++) {
      await contents.whileRecording('d1', `m${index}`, Uint8Array.of(index % 256), down()).catch(() => undefined)
    }
    assert.equal(await contents.get('d1', 'm0'), undefined, 'the oldest went first')
    assert.deepEqual(await contents.get('d1', 'm1'), Uint8Array.of(1))
    assert.deepEqual(await contents.get('d1', 'm1000'), Uint8Array.of(1_000 % 256))
    await contents.whileRecording('d1', 'm1', Uint8Array.of(1), Promise.resolve())
    assert.equal(await contents.get('d1', 'm1'), undefined, 'recorded now: read from the database')
  })

  it('keeps at most 8 MB of messages whose record failed', async () => {
    const contents = new SentContents({ waMessage: async () => undefined } as unknown as MessageRepository)
    const large = (): Uint8Array => new Uint8Array(3 * 1024 * 1024)
    for (const id of ['a', 'b', 'c']) await contents.whileRecording('d1', id, large(), Promise.reject(new Error('down'))).catch(() => undefined)
    assert.equal(await contents.get('d1', 'a'), undefined, '9 MB in all: the oldest went')
    assert.equal((await contents.get('d1', 'b'))?.byteLength, 3 * 1024 * 1024)
    assert.equal((await contents.get('d1', 'c'))?.byteLength, 3 * 1024 * 1024)
  })

  it('keeps the newer bytes when a message is sent again while its first record is still being written', async () => {
    const contents = new SentContents({ waMessage: async () => undefined } as unknown as MessageRepository)
    let landFirst!: () => void
    const first = contents.whileRecording('d1', 'm1', Uint8Array.of(1), new Promise<void>((resolve) => (landFirst = resolve)))
    const second = contents.whileRecording('d1', 'm1', Uint8Array.of(2), new Promise<void>(() => undefined))
    landFirst()
    await first
    assert.deepEqual(await contents.get('d1', 'm1'), Uint8Array.of(2))
    void second
  })
})
