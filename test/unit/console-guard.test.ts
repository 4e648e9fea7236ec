import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { guardConsole } from '../../src/console-guard.js'

describe('guardConsole', () => {
  const original = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error }
  after(() => Object.assign(console, original))

  it('keeps the message and drops the key material libsignal prints after it', () => {
    const lines: string[] = []
    const sink = new Writable({ write: (chunk, _encoding, done) => { lines.push(String(chunk)); done() } })
    guardConsole(pino({ level: 'debug' }, sink))
    const privKey = Buffer.from('a1'.repeat(32), 'hex')
    console.info('Closing session:', { currentRatchet: { ephemeralKeyPair: { privKey } } })
    console.warn('Closing open session in favor of incoming prekey bundle')
    console.error({ privKey })
    Object.assign(console, original)
    const output = lines.join('')
    assert.match(output, /Closing session:/)
    assert.match(output, /Closing open session in favor of incoming prekey bundle/)
    assert.match(output, /non-text console output dropped/)
    assert.ok(!output.includes('a1a1a1'), 'private key bytes reached the log')
    assert.ok(!output.includes('privKey'), 'key objects reached the log')
  })
})
