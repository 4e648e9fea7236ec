import assert from 'node:assert/strict'
import { lookup } from 'node:dns/promises'
import { hostname } from 'node:os'
import { describe, it } from 'node:test'
import { isPrivateAddress, SafeFetcher } from '../../src/security/safe-fetch.js'

describe('isPrivateAddress', () => {
  const blocked = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']
  for (const address of blocked) it(`blocks ${address}`, () => assert.ok(isPrivateAddress(address)))
  for (const address of allowed) it(`allows ${address}`, () => assert.ok(!isPrivateAddress(address)))
})

describe('SafeFetcher.validate', () => {
  const fetcher = new SafeFetcher({ allowPrivate: false, timeoutMs: 1000, maxBytes: 1024 })
  it('accepts public https URLs', () => assert.equal(fetcher.validate('https://example.com/a.png').hostname, 'example.com'))
  for (const url of ['http://example.com/a', 'ftp://example.com/a', 'file:///etc/passwd', 'https://[::1]/a', 'https://10.0.0.1/a', 'not a url']) {
    it(`refuses ${url}`, () => assert.throws(() => fetcher.validate(url)))
  }
  it('refuses a host name that resolves to a loopback address, at connect time', async (t) => {
    const name = hostname()
    const { address } = await lookup(name)
    if (!isPrivateAddress(address)) return t.skip(`${name} resolves to ${address} here`)
    await assert.rejects(fetcher.fetch(`https://${name}/a.png`), /resolves to a private or loopback address/)
  })
})
