import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { parse as parseDotenv } from 'dotenv'
import { isPublicEventType, PUBLIC_EVENT_TYPES, type PublicEventType } from './events/envelope.js'
import { MEDIA_KINDS, type MediaKind } from './messaging/outgoing-content.js'
import { SecretBox } from './security/secret-box.js'
import { DEFAULT_DEVICE_NAME, MAX_DEVICE_NAME, parseProxyUrl } from './sessions/session-settings.js'
import type { HistorySyncMode } from './whatsapp/history.js'

const HISTORY_SYNC_MODES: readonly HistorySyncMode[] = ['recent', 'full', 'none']

/** Typed, validated configuration. Parsed once at start-up; a bad value stops the server. */
export interface Config {
  port: number
  host: string
  dataDir: string
  /** This process's name among nodes sharing one PostgreSQL database. */
  nodeId: string
  database: {
    /** PostgreSQL instead of the SQLite file in dataDir; required for several nodes. */
    url: string | undefined
    poolSize: number
    /** How long a PostgreSQL query may go unanswered before the request fails as a database outage. */
    queryTimeoutMs: number
  }
  /** Several nodes on one PostgreSQL database (only with DATABASE_URL). */
  cluster: {
    /** Where the other nodes reach this one's HTTP API; unset, http://<host>:<port> as it listens. */
    advertiseUrl: string | undefined
    /** How long a node's hold on a session lasts without renewal; a dead node's sessions move after this. */
    leaseTtlMs: number
    /** How often a node renews its leases, reports itself alive and rebalances. */
    heartbeatMs: number
  }
  adminApiKey: string | undefined
  /** Seals credentials, Signal keys, webhook secrets and proxy URLs in the database (DATA_ENCRYPTION_KEY). */
  dataEncryption: SecretBox | undefined
  logLevel: LogLevel
  bodyLimitBytes: number
  whatsapp: {
    url: string | undefined
    rootKey: Buffer | undefined
    version: [number, number, number] | undefined
    versionLookupTimeoutMs: number
    qrTimeoutMs: number | undefined
    /** How long a new socket may take to show a QR code or log in before it is closed and retried. */
    connectTimeoutMs: number
    /** host:port standing in for WhatsApp's fixed media host (tests and demos only). */
    mediaHost: string | undefined
    /** The proxy of sessions that set none (WHATSAPP_PROXY). */
    proxyUrl: string | null
    /** What phones list under Linked devices for sessions that set no name. */
    deviceName: string
  }
  /** How much of the phone's history a newly linked session stores. */
  historySync: HistorySyncMode
  reconnect: {
    baseDelayMs: number
    maxDelayMs: number
    maxAttempts: number
  }
  restoreConcurrency: number
  /** Handshakes started per second at most, so a mass disconnect's retries do not stall the process. */
  connectRatePerSecond: number
  /** Memory for parsed Signal keys of active chats, shared by all sessions. */
  keyCacheBytes: number
  sendTimeoutMs: number
  sendRatePerMinute: number
  sendRateBurst: number
  numberCheckCacheTtlMs: number
  media: {
    maxBytes: number
    fetchTimeoutMs: number
    /** Kinds of received media downloaded and kept as they arrive (none by default). */
    autoDownload: MediaKind[]
    /** Where kept media go: under DATA_DIR, or an S3-compatible bucket. */
    storage: MediaStorageConfig
    /** How long a presigned S3 link in an event stays valid. */
    urlTtlSeconds: number
  }
  /** Let media and webhook URLs reach private and loopback addresses (trusted networks and tests only). */
  allowPrivateUrls: boolean
  webhook: {
    /** The global webhook, receiving the events of every session. */
    global: { url: string; secret: string; events: PublicEventType[] } | undefined
    timeoutMs: number
    retryBaseMs: number
    maxRetryDelayMs: number
    retryForMs: number
    concurrency: number
  }
  /** Message brokers every event is also published to, each enabled by its URL. */
  events: {
    /** The types the brokers carry; empty: every type but the opt-in ones. */
    types: PublicEventType[]
    /** How long an event is retried into a broker before it is kept as failed. */
    retryForMs: number
    amqp: { url: string; exchange: string } | undefined
    nats: { url: string; stream: string; subjectPrefix: string } | undefined
    redis: { url: string; stream: string; maxLen: number } | undefined
  }
  inboundRetentionDays: number
  http: {
    /** Trust X-Forwarded-* from a reverse proxy (client IPs for rate limits and logs). */
    trustProxy: boolean
    /** Origins allowed to call the API from a browser; empty keeps CORS closed. */
    corsOrigins: string[]
    rateLimitPerMinute: number
    authFailureLimit: number
    authFailureWindowMs: number
    /** When set, /metrics needs this key (or the admin key). */
    metricsApiKey: string | undefined
    /**
     * How often an open event stream sends a keep-alive and checks its credentials again (a key
     * revoked or replaced, a session deleted, a dashboard signed out end it).
     */
    eventStreamHeartbeatMs: number
    /** Always mark the dashboard cookie Secure (set behind an HTTPS proxy without TRUST_PROXY). */
    secureCookie: boolean
    dashboardSessionTtlMs: number
  }
}

export type MediaStorageConfig =
  | { kind: 'local' }
  | { kind: 's3'; endpoint: string | undefined; region: string; bucket: string; accessKeyId: string | undefined; secretAccessKey: string | undefined; forcePathStyle: boolean }

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly allowed: string,
    value: string,
  ) {
    super(`Invalid configuration: ${variable}=${JSON.stringify(value)} is not allowed; expected ${allowed}`)
    this.name = 'ConfigError'
  }
}

export type Env = Record<string, string | undefined>

/** Reads one variable, treating an empty string as unset. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw)
  }
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(name, 'true or false', raw)
}

function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return read(env, name) === undefined ? undefined : integer(env, name, 0, min, max)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `one of ${allowed.join(', ')}`, raw)
  return raw as T
}

/** A URL whose scheme is one of `protocols` (e.g. ['ws:', 'wss:']). */
function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  const allowed = `a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL`
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, allowed, raw)
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, allowed, raw)
  return raw
}

/** A secret variable, parsed; its value is never echoed, a refusal says only what is allowed. */
function parsedSecret<T>(env: Env, name: string, parse: (raw: string) => T, allowed: (reason: string) => string): T | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  try {
    return parse(raw)
  } catch (error) {
    throw new ConfigError(name, allowed((error as Error).message), '(hidden)')
  }
}

/** A broker URL of one of these schemes (it may hold a password, so it is never echoed). */
const brokerUrl = (env: Env, name: string, protocols: readonly string[]): string | undefined =>
  parsedSecret(env, name, (raw) => {
    if (!protocols.includes(new URL(raw).protocol)) throw new Error('wrong scheme')
    return raw
  }, () => `a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL`)

/** A name brokers accept for an exchange, stream or key. */
function brokerName(env: Env, name: string, fallback: string, pattern: RegExp, allowed: string): string {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!pattern.test(raw)) throw new ConfigError(name, allowed, raw)
  return raw
}

function eventTransports(env: Env): Config['events'] {
  const amqp = brokerUrl(env, 'EVENTS_AMQP_URL', ['amqp:', 'amqps:'])
  const nats = brokerUrl(env, 'EVENTS_NATS_URL', ['nats:'])
  const redis = brokerUrl(env, 'EVENTS_REDIS_URL', ['redis:', 'rediss:'])
  return {
    types: eventTypes(env, 'EVENTS_TYPES'),
    retryForMs: integer(env, 'EVENTS_RETRY_FOR_MS', 7 * 86_400_000, 0, 90 * 86_400_000),
    amqp: amqp === undefined ? undefined : { url: amqp, exchange: brokerName(env, 'EVENTS_AMQP_EXCHANGE', 'whatsapp.events', /^[A-Za-z0-9._:-]{1,255}$/, 'an exchange name: letters, digits, ".", "_", ":" or "-"') },
    nats: nats === undefined ? undefined : {
      url: nats,
      stream: brokerName(env, 'EVENTS_NATS_STREAM', 'WHATSAPP_EVENTS', /^[A-Za-z0-9_-]{1,64}$/, 'a stream name: letters, digits, "_" or "-"'),
      subjectPrefix: brokerName(env, 'EVENTS_NATS_SUBJECT_PREFIX', 'whatsapp', /^[A-Za-z0-9_-]{1,64}$/, 'a subject token: letters, digits, "_" or "-"'),
    },
    redis: redis === undefined ? undefined : {
      url: redis,
      stream: brokerName(env, 'EVENTS_REDIS_STREAM', 'whatsapp:events', /^[\x21-\x7e]{1,256}$/, 'a key of printable characters without spaces'),
      maxLen: integer(env, 'EVENTS_REDIS_MAXLEN', 1_000_000, 1, 1_000_000_000),
    },
  }
}

/** A 32-byte key in base64. */
export const dataKey = (env: Env, name: string): SecretBox | undefined => parsedSecret(env, name, SecretBox.fromBase64, (reason) => reason)

/** A proxy URL (it may hold a password). */
const proxy = (env: Env, name: string): string | null =>
  parsedSecret(env, name, (raw) => parseProxyUrl(raw, name), (reason) => `a proxy URL: ${reason}`) ?? null

/** Free text of 1 to maxLength characters. */
function text(env: Env, name: string, fallback: string, maxLength: number): string {
  const raw = read(env, name)?.trim()
  if (raw === undefined) return fallback
  if (raw.length === 0 || raw.length > maxLength) throw new ConfigError(name, `1 to ${maxLength} characters`, raw)
  return raw
}

/** host:port, e.g. 127.0.0.1:8443 (no scheme, no path). */
function hostPort(env: Env, name: string): string | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$/i.test(raw)) throw new ConfigError(name, 'host:port (no scheme or path)', raw)
  return raw
}

function clusterSettings(env: Env): Config['cluster'] {
  const leaseTtlMs = integer(env, 'CLUSTER_LEASE_TTL_MS', 15_000, 2_000, 600_000)
  const heartbeatMs = integer(env, 'CLUSTER_HEARTBEAT_MS', Math.round(leaseTtlMs / 5), 200, 120_000)
  // Renewal must succeed a few times within one lease, or a healthy node would lose its sessions.
  if (heartbeatMs * 3 > leaseTtlMs) {
    throw new ConfigError('CLUSTER_HEARTBEAT_MS', `at most a third of CLUSTER_LEASE_TTL_MS (${leaseTtlMs})`, String(heartbeatMs))
  }
  return {
    advertiseUrl: url(env, 'CLUSTER_ADVERTISE_URL', ['http:', 'https:']),
    leaseTtlMs,
    heartbeatMs,
  }
}

/** A postgres:// URL. It may hold a password, so a bad one is not repeated in the error. */
function databaseUrl(env: Env, name: string): string | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  let protocol: string | undefined
  try {
    protocol = new URL(raw).protocol
  } catch {
    protocol = undefined
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw new ConfigError(name, 'a postgres:// or postgresql:// URL', '(hidden)')
  return raw
}

function curveKey(env: Env, name: string): Buffer | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  const key = Buffer.from(raw, 'base64')
  if (key.length !== 32 || key.toString('base64') !== raw) {
    throw new ConfigError(name, 'a base64-encoded 32-byte Curve25519 public key', raw)
  }
  return key
}

function waVersion(env: Env, name: string): [number, number, number] | undefined {
  const raw = read(env, name)
  if (raw === undefined) return undefined
  const match = /^(\d{1,10})\.(\d{1,10})\.(\d{1,10})$/.exec(raw)
  if (!match) throw new ConfigError(name, 'a version such as 2.3000.1023223821', raw)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

function eventTypes(env: Env, name: string): PublicEventType[] {
  const raw = read(env, name)
  if (raw === undefined) return []
  const types = raw.split(',').map((type) => type.trim()).filter(Boolean)
  if (!types.every(isPublicEventType)) throw new ConfigError(name, `a comma-separated list of ${PUBLIC_EVENT_TYPES.join(', ')}`, raw)
  return types
}

/** none, all, or a comma-separated list of media kinds. */
function mediaKinds(env: Env, name: string): MediaKind[] {
  const raw = read(env, name)?.toLowerCase()
  if (raw === undefined || raw === 'none') return []
  if (raw === 'all') return [...MEDIA_KINDS]
  const kinds = raw.split(',').map((kind) => kind.trim()).filter(Boolean)
  if (kinds.length === 0 || !kinds.every((kind): kind is MediaKind => (MEDIA_KINDS as readonly string[]).includes(kind))) {
    throw new ConfigError(name, `none, all, or a comma-separated list of ${MEDIA_KINDS.join(', ')}`, raw)
  }
  return [...new Set(kinds)]
}

function mediaStorage(env: Env): MediaStorageConfig {
  const kind = read(env, 'MEDIA_STORAGE') ?? 'local'
  if (kind === 'local') return { kind }
  if (kind !== 's3') throw new ConfigError('MEDIA_STORAGE', 'local or s3', kind)
  const bucket = read(env, 'S3_BUCKET')
  if (bucket === undefined) throw new ConfigError('S3_BUCKET', 'a bucket name when MEDIA_STORAGE=s3', '')
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID')
  const secretAccessKey = parsedSecret(env, 'S3_SECRET_ACCESS_KEY', (raw) => raw, () => 'a secret key')
  // One without the other would quietly fall back to the AWS SDK's own credential sources.
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(accessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY', 'set together with the other S3 key, or neither', '')
  }
  return {
    kind,
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    region: read(env, 'S3_REGION') ?? 'us-east-1',
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false),
  }
}

function globalWebhook(env: Env): Config['webhook']['global'] {
  const webhookUrl = url(env, 'WEBHOOK_URL', ['http:', 'https:'])
  const secret = read(env, 'WEBHOOK_SECRET')
  if (webhookUrl === undefined) return undefined
  if (secret === undefined || secret.length < 16) {
    throw new ConfigError('WEBHOOK_SECRET', 'a secret of at least 16 characters when WEBHOOK_URL is set', '<redacted>')
  }
  return { url: webhookUrl, secret, events: eventTypes(env, 'WEBHOOK_EVENTS') }
}

function origins(env: Env, name: string): string[] {
  const raw = read(env, name)
  if (raw === undefined) return []
  const list = raw.split(',').map((origin) => origin.trim()).filter(Boolean)
  for (const origin of list) {
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {
      url = undefined
    }
    if (!url || url.origin !== origin) throw new ConfigError(name, 'a comma-separated list of origins such as https://app.example.com', raw)
  }
  return list
}

function secretKey(env: Env, name: string): string | undefined {
  const raw = read(env, name)
  if (raw !== undefined && raw.length < 16) throw new ConfigError(name, 'a key of at least 16 characters', '<redacted>')
  return raw
}

export function parseConfig(env: Env): Config {
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    dataDir: read(env, 'DATA_DIR') ?? './data',
    nodeId: read(env, 'NODE_ID') ?? `${hostname()}-${randomBytes(3).toString('hex')}`,
    database: {
      url: databaseUrl(env, 'DATABASE_URL'),
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      queryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 10_000, 500, 600_000),
    },
    cluster: clusterSettings(env),
    adminApiKey: secretKey(env, 'ADMIN_API_KEY'),
    dataEncryption: dataKey(env, 'DATA_ENCRYPTION_KEY'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 24 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
    whatsapp: {
      url: url(env, 'WHATSAPP_URL', ['ws:', 'wss:']),
      rootKey: curveKey(env, 'WHATSAPP_ROOT_KEY'),
      version: waVersion(env, 'WHATSAPP_VERSION'),
      versionLookupTimeoutMs: integer(env, 'WHATSAPP_VERSION_LOOKUP_TIMEOUT_MS', 3000, 0, 60_000),
      qrTimeoutMs: optionalInteger(env, 'QR_TIMEOUT_MS', 1000, 300_000),
      connectTimeoutMs: integer(env, 'CONNECT_TIMEOUT_MS', 20_000, 1000, 300_000),
      mediaHost: hostPort(env, 'WHATSAPP_MEDIA_HOST'),
      proxyUrl: proxy(env, 'WHATSAPP_PROXY'),
      deviceName: text(env, 'DEVICE_NAME', DEFAULT_DEVICE_NAME, MAX_DEVICE_NAME),
    },
    historySync: oneOf(env, 'HISTORY_SYNC', HISTORY_SYNC_MODES, 'recent'),
    reconnect: {
      baseDelayMs: integer(env, 'RECONNECT_BASE_DELAY_MS', 1000, 1, 600_000),
      maxDelayMs: integer(env, 'RECONNECT_MAX_DELAY_MS', 60_000, 1, 3_600_000),
      maxAttempts: integer(env, 'RECONNECT_MAX_ATTEMPTS', 15, 1, 1000),
    },
    restoreConcurrency: integer(env, 'RESTORE_CONCURRENCY', 20, 1, 1000),
    connectRatePerSecond: integer(env, 'CONNECT_RATE_PER_SECOND', 200, 1, 100_000),
    keyCacheBytes: integer(env, 'KEY_CACHE_MB', 32, 0, 65_536) * 1024 * 1024,
    sendTimeoutMs: integer(env, 'SEND_TIMEOUT_MS', 20_000, 1000, 600_000),
    sendRatePerMinute: integer(env, 'SEND_RATE_PER_MINUTE', 0, 0, 100_000),
    sendRateBurst: integer(env, 'SEND_RATE_BURST', 5, 1, 10_000),
    numberCheckCacheTtlMs: integer(env, 'NUMBER_CHECK_CACHE_TTL_MS', 3_600_000, 0, 30 * 86_400_000),
    media: {
      maxBytes: integer(env, 'MEDIA_MAX_BYTES', 16 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
      fetchTimeoutMs: integer(env, 'MEDIA_FETCH_TIMEOUT_MS', 30_000, 100, 600_000),
      autoDownload: mediaKinds(env, 'MEDIA_AUTO_DOWNLOAD'),
      storage: mediaStorage(env),
      urlTtlSeconds: integer(env, 'MEDIA_URL_TTL_SECONDS', 3600, 1, 7 * 86_400),
    },
    allowPrivateUrls: boolean(env, 'ALLOW_PRIVATE_URLS', false),
    webhook: {
      global: globalWebhook(env),
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      retryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 1, 3_600_000),
      maxRetryDelayMs: integer(env, 'WEBHOOK_MAX_RETRY_DELAY_MS', 600_000, 1, 86_400_000),
      retryForMs: integer(env, 'WEBHOOK_RETRY_FOR_MS', 86_400_000, 0, 30 * 86_400_000),
      concurrency: integer(env, 'WEBHOOK_CONCURRENCY', 16, 1, 1000),
    },
    events: eventTransports(env),
    inboundRetentionDays: integer(env, 'INBOUND_RETENTION_DAYS', 30, 1, 3650),
    http: {
      trustProxy: boolean(env, 'TRUST_PROXY', false),
      corsOrigins: origins(env, 'CORS_ORIGINS'),
      rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 10_000_000),
      authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 10, 1, 100_000),
      authFailureWindowMs: integer(env, 'AUTH_FAILURE_WINDOW_MS', 900_000, 1000, 86_400_000),
      metricsApiKey: secretKey(env, 'METRICS_API_KEY'),
      eventStreamHeartbeatMs: integer(env, 'EVENT_STREAM_HEARTBEAT_MS', 25_000, 1000, 600_000),
      secureCookie: boolean(env, 'COOKIE_SECURE', false),
      dashboardSessionTtlMs: integer(env, 'DASHBOARD_SESSION_TTL_MS', 12 * 3_600_000, 60_000, 30 * 86_400_000),
    },
  }
}

/** The process environment over an optional `.env` file; real environment variables win. */
export function loadEnv(file = '.env'): Env {
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {}
  return { ...fromFile, ...process.env }
}
