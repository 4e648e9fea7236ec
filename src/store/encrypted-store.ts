import { SecretBox, secretContext } from '../security/secret-box.js'
import type { AuthStateRepository, SessionRecord, SessionRepository, Store, WebhookRecord, WebhookRepository } from './ports.js'

/**
 * The store with its secrets sealed at rest (DATA_ENCRYPTION_KEY): the linked accounts' credentials
 * and Signal keys, webhook secrets and proxy URLs (which carry passwords). Everything else, and
 * every caller, sees plain values; only the rows in the database are sealed.
 */
export function withSealedSecrets(store: Store, box: SecretBox): Store {
  return {
    ...store,
    authStates: sealedAuthStates(store.authStates, box),
    sessions: sealedSessions(store.sessions, box),
    webhooks: sealedWebhooks(store.webhooks, box),
  }
}

function sealedAuthStates(inner: AuthStateRepository, box: SecretBox): AuthStateRepository {
  return {
    readCreds: async (deviceId) => {
      const creds = await inner.readCreds(deviceId)
      return creds === undefined ? undefined : box.open(creds, secretContext.creds(deviceId))
    },
    writeCreds: (deviceId, creds) => inner.writeCreds(deviceId, box.seal(creds, secretContext.creds(deviceId))),
    readKeys: async (deviceId, type, ids) => {
      const sealed = await inner.readKeys(deviceId, type, ids)
      return new Map([...sealed].map(([id, value]) => [id, box.open(value, secretContext.authKey(deviceId, type, id))]))
    },
    writeKeys: (deviceId, writes) =>
      inner.writeKeys(deviceId, writes.map((write) =>
        write.value === null ? write : { ...write, value: box.seal(write.value, secretContext.authKey(deviceId, write.type, write.id)) })),
    clear: (deviceId) => inner.clear(deviceId),
  }
}

function sealedSessions(inner: SessionRepository, box: SecretBox): SessionRepository {
  const opened = (record: SessionRecord): SessionRecord =>
    record.proxyUrl === null ? record : { ...record, proxyUrl: box.open(record.proxyUrl, secretContext.proxyUrl(record.deviceId)) }
  return {
    ...inner,
    get: async (deviceId) => {
      const record = await inner.get(deviceId)
      return record && opened(record)
    },
    list: async () => (await inner.list()).map(opened),
    setProxy: (deviceId, proxyUrl) => inner.setProxy(deviceId, proxyUrl === null ? null : box.seal(proxyUrl, secretContext.proxyUrl(deviceId))),
  }
}

function sealedWebhooks(inner: WebhookRepository, box: SecretBox): WebhookRepository {
  const opened = (record: WebhookRecord): WebhookRecord => ({ ...record, secret: box.open(record.secret, secretContext.webhookSecret(record.id)) })
  return {
    ...inner,
    create: (record) => inner.create({ ...record, secret: box.seal(record.secret, secretContext.webhookSecret(record.id)) }),
    listForDevice: async (deviceId) => (await inner.listForDevice(deviceId)).map(opened),
    get: async (id) => {
      const record = await inner.get(id)
      return record && opened(record)
    },
  }
}
