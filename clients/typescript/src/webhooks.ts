import type { EventEnvelope } from './event-types.js'

/** A webhook whose signature is missing, wrong or too old: do not act on it. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError'
}

export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>

export interface VerifyOptions {
  /** How far webhook-timestamp may be from now, either way (default 300 s): refuses replays. */
  toleranceSeconds?: number
  /**
   * Accept X-Hub-Signature-256 alone, for a receiver behind something that drops the
   * webhook-* headers. Off by default: that signature has no timestamp, so a captured delivery
   * could be replayed with the other headers removed.
   */
  allowHubSignatureOnly?: boolean
  /** The current time (tests). */
  now?: Date
}

const STANDARD_PREFIX = 'whsec_'
const encoder = new TextEncoder()

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return typeof entry === 'string' ? entry : entry?.[0]
}

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}

function hexBytes(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) return undefined
  return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16))
}

/** Checks an HMAC-SHA256 in constant time (WebCrypto's verify compares, not us). */
async function hmacMatches(key: Uint8Array, signed: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  return crypto.subtle.verify('HMAC', cryptoKey, signature, signed)
}

function joined(...parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    whole.set(part, offset)
    offset += part.length
  }
  return whole
}

/**
 * Verifies a webhook the server signed and returns its event. Checks the Standard Webhooks
 * signature (webhook-id, webhook-timestamp within the tolerance, webhook-signature); with
 * allowHubSignatureOnly, X-Hub-Signature-256 where those are missing. `rawBody` must be the bytes
 * as received: a re-serialised JSON object would not match. Throws WebhookVerificationError when it
 * does not verify.
 */
export async function verifyWebhook(rawBody: string | Uint8Array, headers: WebhookHeaders, secret: string, options: VerifyOptions = {}): Promise<EventEnvelope> {
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new TypeError('verifyWebhook needs the raw body (a string or bytes), not parsed JSON')
  }
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody
  const id = header(headers, 'webhook-id')
  const timestamp = header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'webhook-signature')
  if (id !== undefined && timestamp !== undefined && signatures !== undefined) {
    await verifyStandard(body, id, timestamp, signatures, secret, options)
  } else {
    const hub = header(headers, 'x-hub-signature-256')
    if (hub === undefined) throw new WebhookVerificationError('The request carries no webhook signature')
    if (!options.allowHubSignatureOnly) {
      throw new WebhookVerificationError('Only X-Hub-Signature-256 is present: without webhook-id, webhook-timestamp and webhook-signature a replay cannot be told apart (allowHubSignatureOnly accepts it)')
    }
    const signature = hub.startsWith('sha256=') ? hexBytes(hub.slice('sha256='.length)) : undefined
    if (signature === undefined || !(await hmacMatches(encoder.encode(secret), body, signature))) {
      throw new WebhookVerificationError('X-Hub-Signature-256 does not match the body')
    }
  }
  try {
    return JSON.parse(new TextDecoder().decode(body)) as EventEnvelope
  } catch {
    throw new WebhookVerificationError('The signed body is not JSON')
  }
}

async function verifyStandard(body: Uint8Array, id: string, timestamp: string, signatures: string, secret: string, options: VerifyOptions): Promise<void> {
  const sentAt = Number(timestamp)
  const now = (options.now ?? new Date()).getTime() / 1000
  const tolerance = options.toleranceSeconds ?? 300
  if (!/^\d+$/.test(timestamp) || Math.abs(now - sentAt) > tolerance) {
    throw new WebhookVerificationError('webhook-timestamp is missing or too far from now (a replay?)')
  }
  // whsec_ secrets carry a base64 key (the standard's format); any other secret is its own bytes.
  const key = secret.startsWith(STANDARD_PREFIX) ? base64Bytes(secret.slice(STANDARD_PREFIX.length)) : encoder.encode(secret)
  if (key === undefined) throw new WebhookVerificationError('The secret is not valid whsec_ base64')
  const signed = joined(encoder.encode(`${id}.${timestamp}.`), body)
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2)
    const signature = version === 'v1' && value !== undefined ? base64Bytes(value) : undefined
    if (signature !== undefined && (await hmacMatches(key, signed, signature))) return
  }
  throw new WebhookVerificationError('webhook-signature does not match the body')
}
