import { createHmac, createSecretKey } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

const STANDARD_PREFIX = 'whsec_'

export type WebhookSigner = (eventId: string, sentAt: Date, body: string) => Record<string, string>

/**
 * Signs deliveries with one secret: the Standard Webhooks trio (webhook-id, webhook-timestamp,
 * webhook-signature over "id.timestamp.body") and Meta's X-Hub-Signature-256 (HMAC-SHA256 of the
 * raw body keyed by the secret string as shown). The keys are prepared once per secret.
 */
export function webhookSigner(secret: string): WebhookSigner {
  // whsec_ secrets carry a base64 key (the standard's format); any other secret is used as raw bytes.
  const standard = secret.startsWith(STANDARD_PREFIX) ? new Webhook(secret) : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' })
  const hubKey = createSecretKey(Buffer.from(secret, 'utf8'))
  return (eventId, sentAt, body) => ({
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': standard.sign(eventId, sentAt, body),
    'x-hub-signature-256': `sha256=${createHmac('sha256', hubKey).update(body, 'utf8').digest('hex')}`,
  })
}
