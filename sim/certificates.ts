import { Curve, proto, type KeyPair } from '@whiskeysockets/baileys'

/** Everything the server side of the Noise handshake proves itself with. */
export interface ServerIdentity {
  /** 32-byte curve25519 public key WITHOUT the 0x05 type prefix, as WA_CERT_DETAILS.PUBLIC_KEY holds it */
  rootPublicKey: Buffer
  staticKeyPair: KeyPair
  /** encoded proto.CertChain sent (encrypted) in the server hello */
  certChain: Uint8Array
}

// Baileys checks only these three facts: intermediate signed by the root, leaf signed by the
// intermediate's key, intermediate issuerSerial === WA_CERT_DETAILS.SERIAL (0).
const ROOT_SERIAL = 0
const INTERMEDIATE_SERIAL = 1
const LEAF_SERIAL = 2
const YEAR_S = 365 * 24 * 3600

export function createServerIdentity(): ServerIdentity {
  const root = Curve.generateKeyPair()
  const intermediate = Curve.generateKeyPair()
  const staticKeyPair = Curve.generateKeyPair()
  const now = Math.floor(Date.now() / 1000)

  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: INTERMEDIATE_SERIAL,
    issuerSerial: ROOT_SERIAL,
    key: intermediate.public,
    notBefore: now - YEAR_S,
    notAfter: now + 10 * YEAR_S
  }).finish()
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: LEAF_SERIAL,
    issuerSerial: INTERMEDIATE_SERIAL,
    key: staticKeyPair.public,
    notBefore: now - YEAR_S,
    notAfter: now + YEAR_S
  }).finish()

  const certChain = proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) }
  }).finish()

  return { rootPublicKey: Buffer.from(root.public), staticKeyPair, certChain }
}
