import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveAdminKey } from '../../src/security/admin-key.js'
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey, maskApiKey } from '../../src/security/api-keys.js'
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

  it('masks with the first 8 characters', () => {
    assert.equal(maskApiKey(apiKeyPrefix('a1b2c3d4e5f6g7h8')), 'a1b2c3d4...')
  })
})

describe('resolveAdminKey on a database shared by nodes starting together', () => {
  it('settles on one generated key, announced once', async () => {
    const store = openSqliteStore(tempDir())
    const announced: string[] = []
    const checks = await Promise.all([1, 2, 3].map(() => resolveAdminKey(undefined, store.settings, (key) => announced.push(key))))
    assert.equal(announced.length, 1)
    assert.ok(checks.every((check) => check.matches(announced[0]!)))
    await store.close()
  })
})
