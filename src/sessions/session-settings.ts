import { invalidInput } from '../errors.js'
import { checkedText } from '../text.js'
import type { IgnoredKinds, SessionBehaviour, SessionBehaviourChange, SessionRecord } from '../store/ports.js'

/** Longest text sent to a caller after a rejected call. */
export const MAX_REJECT_CALL_MESSAGE = 1000
/** Largest metadata object, as JSON. */
export const MAX_METADATA_BYTES = 4096
export const MAX_DEVICE_NAME = 50
/** What the phone lists under Linked devices unless a session or DEVICE_NAME says otherwise. */
export const DEFAULT_DEVICE_NAME = 'WhatsApp HTTP API'

export const PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:'] as const
const DEFAULT_PROXY_PORT: Record<(typeof PROXY_PROTOCOLS)[number], number> = { 'http:': 80, 'https:': 443, 'socks5:': 1080 }

export const NO_IGNORED_KINDS: IgnoredKinds = { groups: false, status: false, channels: false, broadcast: false }

/** Every setting of a session, as the API shows them (the proxy password masked). */
export interface SessionSettings {
  sendRatePerMinute: number | null
  rejectCalls: boolean
  rejectCallMessage: string | null
  proxy: string | null
  markOnline: boolean
  autoRead: boolean
  ignore: IgnoredKinds
  metadata: Record<string, unknown> | null
  deviceName: string | null
}

/** A change to some settings; null puts a setting back to its default. */
export interface SessionSettingsChange {
  sendRatePerMinute?: number | null
  rejectCalls?: boolean
  /** Empty or null: reject without a text. */
  rejectCallMessage?: string | null
  proxy?: string | null
  markOnline?: boolean | null
  autoRead?: boolean | null
  ignore?: Partial<IgnoredKinds> | null
  metadata?: Record<string, unknown> | null
  deviceName?: string | null
}

/** What a socket is opened with. */
export interface ConnectionSettings {
  /** A validated proxy URL with its credentials, or null for a direct connection. */
  proxyUrl: string | null
  deviceName: string
  markOnline: boolean
}

/** Session-wide defaults from the environment. */
export interface SettingsDefaults {
  proxyUrl: string | null
  deviceName: string
}

/**
 * Checks a proxy URL and returns it normalized: http, https or socks5, a host, a port (the
 * protocol's default when left out), optional credentials, nothing else.
 */
export function parseProxyUrl(input: string, field = 'proxy'): string {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw invalidInput(`${field} must be a URL such as socks5://user:pass@host:1080 or http://host:3128`)
  }
  const protocol = PROXY_PROTOCOLS.find((known) => known === url.protocol)
  if (!protocol) throw invalidInput(`${field} must use http, https or socks5 (got ${url.protocol.replace(/:$/, '')})`)
  if (!url.hostname) throw invalidInput(`${field} must name the proxy's host`)
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw invalidInput(`${field} must be only the proxy's address: no path, query or fragment`)
  }
  if (url.password && !url.username) throw invalidInput(`${field} has a password without a user name`)
  // Spelled out: URL drops a port that is the protocol's default (80, 443).
  const address = `${url.hostname}:${url.port || DEFAULT_PROXY_PORT[protocol]}`
  return `${url.protocol}//${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${address}`
}

/**
 * A proxy URL as parseProxyUrl returns it, safe to show: the password replaced, or the user name
 * when it comes alone (then it is the credential, a token some providers hand out).
 */
export function maskProxyUrl(proxyUrl: string): string {
  return proxyUrl.replace(/^([a-z0-9]+:\/\/)([^:@/]*)(:[^@]*)?@/, (_, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}***@` : `${scheme}${user}:***@`)
}


function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (typeof value !== 'object' || value === null) return false
  return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || holdsNul(inner))
}

function checkMetadata(metadata: Record<string, unknown>): void {
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalidInput('metadata must be a JSON object')
  // PostgreSQL stores no NUL character, in keys or values.
  if (holdsNul(metadata)) throw invalidInput('metadata may not contain NUL characters')
  const size = Buffer.byteLength(JSON.stringify(metadata), 'utf8')
  if (size > MAX_METADATA_BYTES) throw invalidInput(`metadata is ${size} bytes as JSON; at most ${MAX_METADATA_BYTES} are kept`)
}

/** The part of a change kept in the behaviour document, checked; throws before anything is written. */
export function behaviourChange(change: SessionSettingsChange): SessionBehaviourChange {
  const { markOnline, autoRead, ignore, metadata, deviceName } = change
  if (metadata) checkMetadata(metadata)
  return {
    ...(markOnline !== undefined ? { markOnline } : {}),
    ...(autoRead !== undefined ? { autoRead } : {}),
    ...(ignore !== undefined ? { ignore: ignore === null ? null : { ...NO_IGNORED_KINDS, ...ignore } } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    ...(deviceName !== undefined ? { deviceName: deviceName === null ? null : checkedText(deviceName, 'deviceName', MAX_DEVICE_NAME) } : {}),
  }
}

export interface CheckedSettings {
  proxyUrl: string | null | undefined
  /** Trimmed; empty is none. */
  rejectCallMessage: string | null | undefined
  behaviour: SessionBehaviourChange
}

/** The parts of a settings change that need checking or normalizing, done before anything is written. */
export function checkedSettings(change: SessionSettingsChange): CheckedSettings {
  const message = change.rejectCallMessage
  if (message?.includes('\u0000')) throw invalidInput('rejectCallMessage may not contain NUL characters')
  return {
    proxyUrl: change.proxy === undefined || change.proxy === null ? change.proxy : parseProxyUrl(change.proxy),
    rejectCallMessage: message === undefined ? undefined : message?.trim() || null,
    behaviour: behaviourChange(change),
  }
}

export function settingsOf(record: SessionRecord): SessionSettings {
  const behaviour: SessionBehaviour = record.behaviour
  return {
    sendRatePerMinute: record.sendRatePerMinute,
    rejectCalls: record.rejectCalls,
    rejectCallMessage: record.rejectCallMessage,
    proxy: record.proxyUrl === null ? null : maskProxyUrl(record.proxyUrl),
    markOnline: behaviour.markOnline ?? false,
    autoRead: behaviour.autoRead ?? false,
    ignore: behaviour.ignore ?? NO_IGNORED_KINDS,
    metadata: behaviour.metadata ?? null,
    deviceName: behaviour.deviceName ?? null,
  }
}

/** What the session's next socket opens with (a session deleted meanwhile gets the defaults). */
export function connectionSettingsOf(record: SessionRecord | undefined, defaults: SettingsDefaults): ConnectionSettings {
  return {
    proxyUrl: record?.proxyUrl ?? defaults.proxyUrl,
    deviceName: record?.behaviour.deviceName ?? defaults.deviceName,
    markOnline: record?.behaviour.markOnline ?? false,
  }
}
