import { aesDecryptGCM, aesEncryptGCM, Curve, hkdf, NOISE_MODE, NOISE_WA_HEADER, proto, sha256 } from '@whiskeysockets/baileys'
import type { ServerIdentity } from './certificates.js'

const EMPTY = Buffer.alloc(0)

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12)
  iv.writeUInt32BE(counter, 8)
  return iv
}

/** Post-handshake AES-GCM channel; each direction counts its own nonces. */
export class NoiseTransport {
  private readCounter = 0
  private writeCounter = 0
  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return aesEncryptGCM(plaintext, this.encKey, ivFor(this.writeCounter++), EMPTY)
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return aesDecryptGCM(ciphertext, this.decKey, ivFor(this.readCounter++), EMPTY)
  }
}

export interface ClientFinish {
  clientStaticKey: Buffer
  /** decrypted proto.ClientPayload bytes */
  payload: Buffer
  transport: NoiseTransport
}

/**
 * Responder half of Noise_XX_25519_AESGCM_SHA256 as Baileys' noise-handler.js runs it as
 * initiator: same hash/salt/key chain, mirrored DH order, and the split keys swapped.
 */
export class NoiseResponder {
  private hash: Buffer
  private salt: Buffer
  private key: Buffer
  private counter = 0
  private readonly ephemeral = Curve.generateKeyPair()
  private clientEphemeral: Buffer = EMPTY

  constructor(private readonly identity: ServerIdentity) {
    const mode = Buffer.from(NOISE_MODE)
    this.hash = mode.byteLength === 32 ? mode : sha256(mode)
    this.salt = this.hash
    this.key = this.hash
    this.authenticate(NOISE_WA_HEADER)
  }

  /** Consumes the client hello frame and returns the server hello frame. */
  respondToHello(frame: Uint8Array): Uint8Array {
    const { clientHello } = proto.HandshakeMessage.decode(frame)
    if (!clientHello?.ephemeral) throw new Error('expected client hello')
    this.clientEphemeral = Buffer.from(clientHello.ephemeral)
    this.authenticate(this.clientEphemeral)
    this.authenticate(this.ephemeral.public)
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral))
    const staticEnc = this.encrypt(this.identity.staticKeyPair.public)
    this.mixIntoKey(Curve.sharedKey(this.identity.staticKeyPair.private, this.clientEphemeral))
    const payloadEnc = this.encrypt(this.identity.certChain)
    return proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload: payloadEnc }
    }).finish()
  }

  /** Consumes the client finish frame: learns the client's static (noise) key and login payload. */
  finish(frame: Uint8Array): ClientFinish {
    const { clientFinish } = proto.HandshakeMessage.decode(frame)
    if (!clientFinish?.static || !clientFinish.payload) throw new Error('expected client finish')
    const clientStaticKey = this.decrypt(clientFinish.static)
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStaticKey))
    const payload = this.decrypt(clientFinish.payload)
    const [clientWrite, clientRead] = this.split(EMPTY)
    return { clientStaticKey, payload, transport: new NoiseTransport(clientRead, clientWrite) }
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]))
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const result = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash)
    this.authenticate(result)
    return result
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const result = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash)
    this.authenticate(ciphertext)
    return result
  }

  private split(data: Uint8Array): [Buffer, Buffer] {
    const out = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.salt, info: '' }))
    return [out.subarray(0, 32), out.subarray(32)]
  }

  private mixIntoKey(data: Uint8Array): void {
    const [write, read] = this.split(data)
    this.salt = write
    this.key = read
    this.counter = 0
  }
}
