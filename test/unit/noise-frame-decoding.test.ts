import assert from 'node:assert/strict'
import { createCipheriv, hkdfSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { deflateSync } from 'node:zlib'
import { type BinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys'
import { NOISE_MODE, NOISE_WA_HEADER } from '@whiskeysockets/baileys/lib/Defaults/index.js'
import { Curve } from '@whiskeysockets/baileys/lib/Utils/crypto.js'
import { makeNoiseHandler } from '@whiskeysockets/baileys/lib/Utils/noise-handler.js'
import { pino } from 'pino'
import { decodeBinaryNodeLean } from '../../src/whatsapp/binary-node-decoder.js'

const logger = pino({ level: 'silent' })

/**
 * The sending side of a noise transport that has just finished its handshake: the key the receiver
 * decrypts with (the second half of HKDF over nothing, salted with the protocol name, as a handler
 * that skipped the handshake derives it) and a counter per frame.
 */
const makeSender = () => {
  const key = Buffer.from(hkdfSync('sha256', Buffer.alloc(0), Buffer.from(NOISE_MODE), Buffer.alloc(0), 64)).subarray(32)
  let counter = 0
  /** One wire frame: a 3-byte length and the encrypted stanza (flag byte first; 2 = deflated). */
  const frame = (node: BinaryNode | Buffer, compressed = false): Buffer => {
    const body = Buffer.isBuffer(node) ? node : encodeBinaryNode(node).subarray(1)
    const plain = compressed ? Buffer.concat([Buffer.of(2), deflateSync(body)]) : Buffer.concat([Buffer.of(0), body])
    const iv = Buffer.alloc(12)
    iv.writeUInt32BE(counter++, 8)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.alloc(0))
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
    const length = Buffer.of(encrypted.length >> 16, (encrypted.length >> 8) & 0xff, encrypted.length & 0xff)
    return Buffer.concat([length, encrypted])
  }
  return { frame }
}

const makeReceiver = async (decodeNode?: typeof decodeBinaryNodeLean) => {
  const handler = makeNoiseHandler({ keyPair: Curve.generateKeyPair(), NOISE_HEADER: NOISE_WA_HEADER, logger, decodeNode })
  await handler.finishInit()
  const received: Array<BinaryNode | Uint8Array> = []
  const push = (data: Buffer) => handler.decodeFrame(data, (frame) => received.push(frame))
  return { push, received }
}

const node = (id: string): BinaryNode => ({ tag: 'receipt', attrs: { id, from: '15550001111@s.whatsapp.net', type: 'read' } })
const message = (id: string): BinaryNode => ({ tag: 'message', attrs: { id, type: 'text' }, content: [{ tag: 'enc', attrs: { v: '2' }, content: Buffer.alloc(3000, 4) }] })

describe('the noise handler with a synchronous decoder', () => {
  it('hands on each frame in the call that brought it, in order, a compressed one and what arrives while it inflates included', async () => {
    const sender = makeSender()
    const { push, received } = await makeReceiver(decodeBinaryNodeLean)
    const ids = () => received.map((frame) => (frame as BinaryNode).attrs.id)
    // No promise: both frames were handed on before the call returned.
    assert.equal(push(Buffer.concat([sender.frame(node('1')), sender.frame(node('2'))])), undefined)
    assert.deepStrictEqual(ids(), ['1', '2'])
    const inflating = push(Buffer.concat([sender.frame(node('3')), sender.frame(message('4'), true), sender.frame(node('5'))]))
    assert.ok(inflating instanceof Promise)
    assert.deepStrictEqual(ids(), ['1', '2', '3'])
    // Arrives while the compressed frame inflates, in two parts: waits behind it. (Baileys' own path,
    // a promise per frame, hands these on before the inflated one: 1, 2, 3, 5, 6, 4.)
    const split = sender.frame(node('6'))
    assert.equal(push(split.subarray(0, 10)), undefined)
    assert.equal(push(split.subarray(10)), undefined)
    assert.deepStrictEqual(ids(), ['1', '2', '3'])
    await inflating
    assert.deepStrictEqual(ids(), ['1', '2', '3', '4', '5', '6'])
    assert.deepStrictEqual(received[3], message('4'))
  })

  it("copies a frame's first part out of the caller's buffer, which may be reused or retained", async () => {
    const sender = makeSender()
    const { push, received } = await makeReceiver(decodeBinaryNodeLean)
    const whole = sender.frame(message('7'))
    const chunk = Buffer.from(whole.subarray(0, 100))
    assert.equal(push(chunk), undefined)
    chunk.fill(0)
    assert.equal(push(Buffer.from(whole.subarray(100))), undefined)
    assert.deepStrictEqual(received, [message('7')])
  })

  it('rejects a frame that does not decode, as the async path does, and decodes the frames after it', async () => {
    const sender = makeSender()
    const { push, received } = await makeReceiver(decodeBinaryNodeLean)
    const outcome = push(Buffer.concat([sender.frame(Buffer.of(248, 1, 0)), sender.frame(node('8'))]))
    await assert.rejects(Promise.resolve(outcome), /invalid node/)
    assert.equal(received.length, 0)
    assert.equal(push(sender.frame(node('9'))), undefined)
    assert.deepStrictEqual(received.map((frame) => (frame as BinaryNode).attrs.id), ['8', '9'])
  })
})
