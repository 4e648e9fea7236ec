import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { bitString, bool, explicit, octetString, oid, sequence, set, tlv, unsignedInt, utcTime, utf8String } from './der.js'

/** A throwaway CA and a leaf for 127.0.0.1/localhost it signed, for the media host's HTTPS. */
export interface MediaTls {
  caPem: string
  certPem: string
  keyPem: string
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'))
const DAY_MS = 24 * 3600 * 1000

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

const name = (commonName: string) => sequence(set(sequence(oid('2.5.4.3'), utf8String(commonName))))

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octetString(value))
}

function certificate(opts: { subject: string; issuer: string; publicKey: KeyObject; signer: KeyObject; extensions: Buffer[] }): Buffer {
  const now = Date.now()
  const serial = randomBytes(16)
  serial[0]! &= 0x7f
  const tbs = sequence(
    explicit(0, unsignedInt(Buffer.from([2]))), // v3
    unsignedInt(serial),
    ECDSA_WITH_SHA256,
    name(opts.issuer),
    sequence(utcTime(new Date(now - DAY_MS)), utcTime(new Date(now + 365 * DAY_MS))),
    name(opts.subject),
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...opts.extensions))
  )
  // node signs EC keys as a DER ECDSA-Sig-Value, the form X.509 wants
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, opts.signer)))
}

/** caName must differ between CAs trusted together: TLS looks issuers up by name. */
export function createMediaTls(caName = 'WhatsApp simulator media CA (testing only)'): MediaTls {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    extensions: [
      extension('2.5.29.19', true, sequence(bool(true))), // basicConstraints CA:TRUE
      extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1)) // keyUsage keyCertSign, cRLSign
    ]
  })
  const leafCert = certificate({
    subject: 'localhost',
    issuer: caName,
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    extensions: [
      extension('2.5.29.19', true, sequence()),
      extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
      // subjectAltName: iPAddress 127.0.0.1 [7], dNSName localhost [2]
      extension('2.5.29.17', false, sequence(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from('localhost'))))
    ]
  })
  return {
    caPem: pem('CERTIFICATE', caCert),
    certPem: pem('CERTIFICATE', leafCert),
    keyPem: createPrivateKey(leaf.privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}
