import {
  configureSuccessfulPairing,
  Curve,
  hmacSign,
  initAuthCreds,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  type AuthenticationCreds,
  type BinaryNode
} from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, type Account } from './accounts.js'

/** The fields the phone reads from a linking QR code. */
export interface QrData {
  ref: string
  noiseKey: Buffer
  identityKey: Buffer
  advSecret: Buffer
  platform: string
}

const QR_PREFIX = 'https://wa.me/settings/linked_devices#'

export function parseQr(qr: string): QrData {
  const body = qr.startsWith(QR_PREFIX) ? qr.slice(QR_PREFIX.length) : qr
  const [ref, noiseKey, identityKey, advSecret, platform] = body.split(',')
  if (!ref || !noiseKey || !identityKey || !advSecret) throw new Error('not a WhatsApp linking QR code')
  return {
    ref,
    noiseKey: Buffer.from(noiseKey, 'base64'),
    identityKey: Buffer.from(identityKey, 'base64'),
    advSecret: Buffer.from(advSecret, 'base64'),
    platform: platform ?? ''
  }
}

export interface Companion {
  /** e.g. 15550001111:7@s.whatsapp.net */
  jid: string
  /** e.g. 123456789012345:7@lid */
  lid: string
  device: number
}

export function companionFor(account: Account, device: number): Companion {
  return {
    jid: `${account.phoneNumber}:${device}@${PN_SERVER}`,
    lid: `${account.lid}:${device}@${LID_SERVER}`,
    device
  }
}

/**
 * What the phone signs when it links a companion: device details signed by an account key over
 * [6,0] + details + the companion's identity key, wrapped in an HMAC keyed by the QR's adv secret.
 */
export function buildDeviceIdentityHmac(companion: Companion, identityKey: Uint8Array, advSecret: Uint8Array): Uint8Array {
  const accountKey = Curve.generateKeyPair()
  const details = proto.ADVDeviceIdentity.encode({
    rawId: Math.floor(Math.random() * 2 ** 31),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex: companion.device
  }).finish()
  const signed = proto.ADVSignedDeviceIdentity.encode({
    details,
    accountSignatureKey: accountKey.public,
    accountSignature: Curve.sign(accountKey.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, identityKey]))
  }).finish()
  return proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac: hmacSign(signed, Buffer.from(advSecret)) }).finish()
}

export function buildPairSuccess(id: string, companion: Companion, deviceIdentity: Uint8Array): BinaryNode {
  return {
    tag: 'iq',
    attrs: { from: PN_SERVER, type: 'set', id, xmlns: 'md' },
    content: [
      {
        tag: 'pair-success',
        attrs: {},
        content: [
          { tag: 'device-identity', attrs: { 'key-index': String(companion.device) }, content: deviceIdentity },
          { tag: 'platform', attrs: { name: 'smba' } },
          { tag: 'device', attrs: { jid: companion.jid, lid: companion.lid } }
        ]
      }
    ]
  }
}

/**
 * Fresh client credentials already linked to `companion`, produced by running Baileys' own
 * pairing code on a pair-success the phone built: what a client holds after a QR scan + 515.
 */
export function makeLinkedCreds(companion: Companion): AuthenticationCreds {
  const creds = initAuthCreds()
  const stanza = buildPairSuccess(
    'provision',
    companion,
    buildDeviceIdentityHmac(companion, creds.signedIdentityKey.public, Buffer.from(creds.advSecretKey, 'base64'))
  )
  Object.assign(creds, configureSuccessfulPairing(stanza, creds).creds)
  return creds
}
