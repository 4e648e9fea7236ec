import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FastifyRequest } from 'fastify'
import { presentedKey, rateLimitKey } from '../../src/http/auth.js'
import { resolveAdminKey } from '../../src/security/admin-key.js'
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey, maskApiKey, PresentedKey } from '../../src/security/api-keys.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'

describe('api keys', () => {
  it('generates distinct 32-character hex keys', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey))
    assert.equal(keys.size, 100)
    for (const key of keys) assert.match(key, /^[0-9a-f]{32}$/)
  })

  it('matches only the key that was hashed', () => {
    const key = generateApiKey()
    const hash = hashApiKey(key)
    assert.notEqual(hash, key)
    assert.ok(apiKeyMatches(key, hash))
    assert.ok(!apiKeyMatches(`${key}x`, hash))
    assert.ok(!apiKeyMatches('', hash))
    assert.ok(!apiKeyMatches(key, 'not-a-hash'))
  })

  it('compares a presented key by the same digest it is stored under, computed once', () => {
    const key = generateApiKey()
    const presented = new PresentedKey(key)
    assert.equal(presented.hash, hashApiKey(key))
    assert.equal(presented.digest, presented.digest)
    assert.ok(apiKeyMatches(presented, hashApiKey(key)))
    assert.ok(!apiKeyMatches(presented, hashApiKey(`${key}x`)))
    assert.ok(!apiKeyMatches(new PresentedKey(''), hashApiKey(key)))
  })

  it('masks with the first 8 characters', () => {
    assert.equal(maskApiKey(apiKeyPrefix('a1b2c3d4e5f6g7h8')), 'a1b2c3d4...')
  })
})

describe('the key a request presents', () => {
  const request = (headers: Record<string, string>, query: Record<string, string> = {}): FastifyRequest =>
    ({ headers, query, ip: '127.0.0.1' }) as unknown as FastifyRequest

  it('is one value per request, shared by the rate limiter and the checks after it', () => {
    const key = generateApiKey()
    const sent = request({ authorization: `Bearer ${key}` })
    const first = presentedKey(sent)!
    assert.equal(first.value, key)
    assert.equal(rateLimitKey(sent), `key:${hashApiKey(key)}`)
    assert.equal(presentedKey(sent), first)
    assert.notEqual(presentedKey(request({ authorization: `Bearer ${key}` })), first)
  })

  it('reads a query key only where allowed, and tells it apart from the header one', () => {
    const inQuery = request({}, { apiKey: 'from-the-query-string' })
    assert.equal(presentedKey(inQuery), undefined)
    assert.equal(presentedKey(inQuery, { query: true })?.value, 'from-the-query-string')
    const both = request({ 'x-api-key': 'from-the-header-value' }, { apiKey: 'from-the-query-string' })
    assert.equal(presentedKey(both, { query: true })?.value, 'from-the-header-value')
    assert.equal(rateLimitKey(request({})), 'ip:127.0.0.1')
  })
})

describe('resolveAdminKey on a database shared by nodes starting together', () => {
  it('settles on one generated key, announced once', async () => {
    const store = openSqliteStore(tempDir())
    const announced: string[] = []
    const checks = await Promise.all([1, 2, 3].map(() => resolveAdminKey(undefined, store.settings, (key) => announced.push(key))))
    assert.equal(announced.length, 1)
    assert.ok(checks.every((check) => check.matches(new PresentedKey(announced[0]!))))
    await store.close()
  })
})
