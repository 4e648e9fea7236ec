import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { BaileysLogger } from '../../src/whatsapp/baileys-logger.js'

/** A pino logger writing JSON lines into an array, and the lines parsed. */
function capture() {
  const lines: string[] = []
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) })
  const root = pino({ level: 'trace', base: null, timestamp: false }, stream)
  return { root, written: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) }
}

describe("Baileys' logger", () => {
  it('writes what the pino child it stands for writes, bindings and messages included', () => {
    const mine = capture()
    const theirs = capture()
    const logger = new BaileysLogger(() => mine.root.child({ module: 'baileys' }, { level: 'warn' }), 'warn')
    const reference = theirs.root.child({ module: 'baileys' }, { level: 'warn' })
    for (const target of [logger, reference]) {
      target.debug({ ignored: true }, 'below the level')
      target.warn({ attrs: { id: '1' } }, 'a warning')
      target.error('just text')
      target.child({ msgId: 'ABC' }).child({ step: 2 }).error({ err: 'boom' }, 'from a grandchild')
      target.child({ msgId: 'DEF' }).info('below the level, in a child')
    }
    assert.deepEqual(mine.written(), theirs.written())
    assert.equal(mine.written().length, 3)
    assert.equal(logger.level, reference.level)
  })

  it('makes a pino child only when one writes', () => {
    const { root } = capture()
    let made = 0
    const logger = new BaileysLogger(() => (made++, root.child({ module: 'baileys' }, { level: 'warn' })), 'warn')
    for (let i = 0; i < 100; i++) logger.child({ msgId: String(i) }).debug('composing')
    logger.trace('a frame')
    assert.equal(made, 0)
    logger.child({ msgId: 'x' }).warn('written')
    assert.equal(made, 1)
    logger.warn('written again')
    assert.equal(made, 1, 'made once, then reused')
  })
})
