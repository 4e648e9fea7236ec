import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { webhookSigner } from '../../src/events/webhook-signer.js'

const body = JSON.stringify({ id: 'evt_1', type: 'message.received', data: { text: 'grüße 👋' } })

describe('webhookSigner', () => {
  for (const [kind, secret, verifier] of [
    ['a whsec_ secret (base64 key)', `whsec_${Buffer.from('a key of thirty-two bytes exactly').toString('base64')}`, (s: string) => new Webhook(s)],
    ['any other secret (its own bytes)', 'plain shared secret', (s: string) => new Webhook(Buffer.from(s, 'utf8').toString('base64'))],
  ] as const) {
    it(`signs as the Standard Webhooks library verifies, with ${kind}`, () => {
      const headers = webhookSigner(secret)('evt_1', new Date(), body)
      assert.deepEqual(verifier(secret).verify(body, headers), JSON.parse(body))
      assert.throws(() => verifier(secret).verify(body.replace('grüße', 'gruesse'), headers), /signature/i)
      assert.throws(() => verifier(secret).verify(body, { ...headers, 'webhook-id': 'evt_2' }), /signature/i)
    })
  }

  it('signs the raw body as Meta does, keyed by the secret string as shown', () => {
    const secret = `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`
    const headers = webhookSigner(secret)('evt_1', new Date(0), body)
    assert.equal(headers['x-hub-signature-256'], `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
    assert.equal(headers['webhook-timestamp'], '0')
    assert.equal(headers['webhook-id'], 'evt_1')
  })
})
