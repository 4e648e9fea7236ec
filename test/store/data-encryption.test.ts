import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { SecretBox } from '../../src/security/secret-box.js'
import { type DatabaseLocation, resealDatabase, verifyDataEncryption } from '../../src/store/data-encryption.js'
import { withSealedSecrets } from '../../src/store/encrypted-store.js'
import type { Store } from '../../src/store/ports.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'
import { createTestSchema } from './backends.js'

const box = () => SecretBox.fromBase64(randomBytes(32).toString('base64'))
/** More keys than one page of the re-seal, so paging is crossed. */
const KEY_IDS = Array.from({ length: 1234 }, (_, i) => String(i))

interface Place {
  name: string
  location: () => Promise<DatabaseLocation & { drop?: () => Promise<void> }>
  open: (location: DatabaseLocation) => Promise<Store>
}

const places: Place[] = [
  {
    name: 'sqlite',
    location: async () => ({ dataDir: tempDir('reseal-') }),
    open: async (location) => openSqliteStore((location as { dataDir: string }).dataDir),
  },
  {
    name: 'postgres',
    location: async () => {
      const schema = await createTestSchema()
      return { url: schema.url, drop: schema.drop }
    },
    open: (location) => openPostgresStore({ url: (location as { url: string }).url, nodeId: 'node-a', poolSize: 2 }),
  },
]

describe('re-sealing refuses a database in use or missing', () => {
  it('refuses while a node of the cluster is running, and a data directory without a database', async () => {
    const schema = await createTestSchema()
    try {
      const store = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 1 })
      await store.close()
      const client = new pg.Client({ connectionString: schema.url })
      await client.connect()
      await client.query('INSERT INTO cluster_nodes (node_id, url, started_at, heartbeat_at) VALUES ($1, $2, $3, $3)', ['node-b', 'http://b', Date.now()])
      await client.end()
      await assert.rejects(resealDatabase({ url: schema.url }, undefined, box()), /Stop every node first: node-b is running/)
    } finally {
      await schema.drop()
    }
    await assert.rejects(resealDatabase({ dataDir: tempDir('reseal-missing-') }, undefined, box()), /No database at/)
  })
})

for (const place of places) {
  describe(`re-sealing secrets (${place.name})`, async () => {
    const location = await place.location()
    after(() => location.drop?.())

    const readAll = async (store: Store) => ({
      creds: await store.authStates.readCreds('desk'),
      keys: await store.authStates.readKeys('desk', 'session', KEY_IDS),
      webhook: (await store.webhooks.get('w1'))?.secret,
      proxy: (await store.sessions.get('desk'))?.proxyUrl,
    })

    it('marks a new, empty database as encrypted with the first key it starts with, at once', async () => {
      const fresh = await place.location()
      const store = await place.open(fresh)
      try {
        const key = box()
        await Promise.all([verifyDataEncryption(store, key), verifyDataEncryption(store, key)])
        await assert.rejects(verifyDataEncryption(store, box()), /not the key/)
        await assert.rejects(verifyDataEncryption(store, undefined), /is encrypted/)
        await withSealedSecrets(store, key).sessions.create('desk', 'running')
        await verifyDataEncryption(store, key)
      } finally {
        await store.close()
        await fresh.drop?.()
      }
    })

    it('encrypts, rotates and decrypts every secret, across pages, each value intact', async () => {
      const plain = await place.open(location)
      await plain.sessions.create('desk', 'running')
      await plain.authStates.writeCreds('desk', '{"me":"desk"}')
      await plain.authStates.writeKeys('desk', KEY_IDS.map((id) => ({ type: 'session', id, value: `{"key":${id}}` })))
      await plain.webhooks.create({ id: 'w1', deviceId: 'desk', url: 'https://x.example/h', secret: 'hook-secret-0123456789', events: [], createdAt: 1 })
      await plain.sessions.setProxy('desk', 'socks5://u:p@10.0.0.1:1080')
      const expected = await readAll(plain)
      await plain.close()

      const first = box()
      const second = box()
      assert.deepEqual(await resealDatabase(location, undefined, first), { auth_creds: 1, auth_keys: KEY_IDS.length, webhooks: 1, sessions: 1 })
      const raw = await place.open(location)
      assert.match((await raw.authStates.readCreds('desk'))!, /^enc:v1:/)
      assert.match((await raw.sessions.get('desk'))!.proxyUrl!, /^enc:v1:/)
      await assert.rejects(verifyDataEncryption(raw, second), /not the key/)
      await assert.rejects(verifyDataEncryption(raw, undefined), /is encrypted/)
      await verifyDataEncryption(raw, first)
      assert.deepEqual(await readAll(withSealedSecrets(raw, first)), expected)
      await raw.close()

      await assert.rejects(resealDatabase(location, second, first), /not the key/)
      await assert.rejects(resealDatabase(location, undefined, second), /already encrypted/)
      await resealDatabase(location, first, second)
      const rotated = await place.open(location)
      await verifyDataEncryption(rotated, second)
      assert.deepEqual(await readAll(withSealedSecrets(rotated, second)), expected)
      await rotated.close()

      await resealDatabase(location, second, undefined)
      const decrypted = await place.open(location)
      await verifyDataEncryption(decrypted, undefined)
      await assert.rejects(verifyDataEncryption(decrypted, first), /unencrypted secrets/)
      assert.deepEqual(await readAll(decrypted), expected)
      await decrypted.close()
    })
  })
}
