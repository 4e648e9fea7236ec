import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DomainError } from '../../src/errors.js'
import { parseRecipient } from '../../src/messaging/recipient.js'

describe('parseRecipient', () => {
  const valid: Array<[string, string]> = [
    ['1234567890', '1234567890@s.whatsapp.net'],
    ['+1 (555) 123-4567', '15551234567@s.whatsapp.net'],
    ['+44 20.7946.0958', '442079460958@s.whatsapp.net'],
    ['  4915112345678 ', '4915112345678@s.whatsapp.net'],
    ['15551234567@s.whatsapp.net', '15551234567@s.whatsapp.net'],
    ['15551234567:12@s.whatsapp.net', '15551234567@s.whatsapp.net'],
    ['120363025246125486@g.us', '120363025246125486@g.us'],
    ['15551234567-1600000000@g.us', '15551234567-1600000000@g.us'],
    ['123456789012345@lid', '123456789012345@lid'],
  ]
  for (const [input, jid] of valid) {
    it(`accepts ${JSON.stringify(input)}`, () => assert.equal(parseRecipient(input), jid))
  }

  const invalid = ['', 'abc', '12345', '1234567890123456', '++15551234567', '1555x1234567', 'user@example.com',
    '15551234567@s.whatsapp.net.evil', '@g.us', '../../etc/passwd', '1555 123 4567\n@g.us', '١٢٣٤٥٦٧٨٩٠']
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseRecipient(input), (error: unknown) => error instanceof DomainError && error.kind === 'invalid_input')
    })
  }
})
