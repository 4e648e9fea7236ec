import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, parseConfig } from '../../src/config.js'

describe('parseConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = parseConfig({})
    assert.equal(config.port, 3000)
    assert.equal(config.dataDir, './data')
    assert.equal(config.logLevel, 'info')
    assert.equal(config.adminApiKey, undefined)
    assert.equal(config.whatsapp.url, undefined)
    assert.equal(config.whatsapp.version, undefined)
    assert.equal(config.restoreConcurrency, 20)
    assert.equal(config.connectRatePerSecond, 200)
  })

  it('reads every variable', () => {
    const rootKey = Buffer.alloc(32, 7).toString('base64')
    const config = parseConfig({
      PORT: '8080', DATA_DIR: '/var/lib/wa', LOG_LEVEL: 'debug', ADMIN_API_KEY: 'a'.repeat(20),
      WHATSAPP_URL: 'ws://127.0.0.1:7001/ws/chat', WHATSAPP_ROOT_KEY: rootKey, WHATSAPP_VERSION: '2.3000.1',
      RECONNECT_BASE_DELAY_MS: '50', QR_TIMEOUT_MS: '5000', CONNECT_TIMEOUT_MS: '4000',
    })
    assert.equal(config.port, 8080)
    assert.equal(config.dataDir, '/var/lib/wa')
    assert.equal(config.logLevel, 'debug')
    assert.equal(config.whatsapp.url, 'ws://127.0.0.1:7001/ws/chat')
    assert.deepEqual(config.whatsapp.rootKey, Buffer.alloc(32, 7))
    assert.deepEqual(config.whatsapp.version, [2, 3000, 1])
    assert.equal(config.reconnect.baseDelayMs, 50)
    assert.equal(config.whatsapp.qrTimeoutMs, 5000)
    assert.equal(config.whatsapp.connectTimeoutMs, 4000)
  })

  const bad: Array<[string, string, RegExp]> = [
    ['PORT', 'abc', /PORT="abc".*integer from 0 to 65535/],
    ['PORT', '70000', /PORT/],
    ['PORT', '-1', /PORT/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL="loud".*one of fatal, error, warn, info, debug, trace, silent/],
    ['ADMIN_API_KEY', 'short', /ADMIN_API_KEY.*at least 16 characters/],
    ['WHATSAPP_URL', 'http://x', /WHATSAPP_URL.*ws:\/\/ or wss:\/\//],
    ['WHATSAPP_ROOT_KEY', 'AAAA', /WHATSAPP_ROOT_KEY.*32-byte/],
    ['WHATSAPP_VERSION', '2.3000', /WHATSAPP_VERSION/],
    ['RESTORE_CONCURRENCY', '0', /RESTORE_CONCURRENCY.*1 to 1000/],
    ['CONNECT_TIMEOUT_MS', '10', /CONNECT_TIMEOUT_MS.*1000 to 300000/],
    ['EVENTS_AMQP_URL', 'http://rabbit', /EVENTS_AMQP_URL.*amqp:\/\/ or amqps:\/\//],
    ['EVENTS_NATS_URL', 'not a url', /EVENTS_NATS_URL.*nats:\/\//],
    ['EVENTS_TYPES', 'message.received,nonsense', /EVENTS_TYPES.*comma-separated list/],
  ]
  for (const [name, value, message] of bad) {
    it(`stops on ${name}=${value} with a message naming it`, () => {
      assert.throws(() => parseConfig({ [name]: value }), (error: unknown) => error instanceof ConfigError && message.test(error.message))
    })
  }

  it('enables each broker transport by its URL, with the documented names', () => {
    assert.deepEqual(parseConfig({}).events, { types: [], retryForMs: 604_800_000, amqp: undefined, nats: undefined, redis: undefined })
    const { events } = parseConfig({
      EVENTS_AMQP_URL: 'amqp://u:p@rabbit:5672', EVENTS_NATS_URL: 'nats://nats:4222', EVENTS_REDIS_URL: 'rediss://redis:6380/1',
      EVENTS_REDIS_MAXLEN: '5000', EVENTS_TYPES: 'message.received, message.status',
    })
    assert.deepEqual(events, {
      types: ['message.received', 'message.status'],
      retryForMs: 604_800_000,
      amqp: { url: 'amqp://u:p@rabbit:5672', exchange: 'whatsapp.events' },
      nats: { url: 'nats://nats:4222', stream: 'WHATSAPP_EVENTS', subjectPrefix: 'whatsapp' },
      redis: { url: 'rediss://redis:6380/1', stream: 'whatsapp:events', maxLen: 5000 },
    })
    assert.throws(() => parseConfig({ EVENTS_AMQP_URL: 'amqp://u:p@rabbit', EVENTS_AMQP_EXCHANGE: 'has space' }), /EVENTS_AMQP_EXCHANGE/)
  })

  it('keeps received media as configured, and wants both S3 keys or neither', () => {
    assert.deepEqual(parseConfig({}).media.autoDownload, [])
    assert.deepEqual(parseConfig({ MEDIA_AUTO_DOWNLOAD: 'all' }).media.autoDownload, ['image', 'video', 'audio', 'document', 'sticker'])
    assert.deepEqual(parseConfig({ MEDIA_AUTO_DOWNLOAD: 'Image, document' }).media.autoDownload, ['image', 'document'])
    assert.throws(() => parseConfig({ MEDIA_AUTO_DOWNLOAD: 'image,gif' }), /MEDIA_AUTO_DOWNLOAD/)
    assert.throws(() => parseConfig({ MEDIA_STORAGE: 's3' }), /S3_BUCKET/)
    assert.throws(() => parseConfig({ MEDIA_STORAGE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'AKIA' }), /S3_SECRET_ACCESS_KEY.*together/)
    assert.deepEqual(parseConfig({ MEDIA_STORAGE: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' }).media.storage, {
      kind: 's3', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'b', accessKeyId: undefined, secretAccessKey: undefined, forcePathStyle: true,
    })
  })

  it('never echoes a rejected broker URL, which may hold a password', () => {
    assert.throws(() => parseConfig({ EVENTS_REDIS_URL: 'http://:hunter2@redis' }), (error: unknown) =>
      error instanceof ConfigError && /EVENTS_REDIS_URL/.test(error.message) && !error.message.includes('hunter2'))
  })

  it('never echoes a rejected admin key', () => {
    assert.throws(() => parseConfig({ ADMIN_API_KEY: 'short-secret' }), (error: unknown) =>
      error instanceof ConfigError && !error.message.includes('short-secret'))
  })
})
