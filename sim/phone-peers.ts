import { initAuthCreds, type AuthenticationCreds } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { SignalPeer } from './signal-peer.js'

/**
 * Lazily created Signal peer for each account's primary phone (device 0), owned by the sim.
 * With `shareIdentity` all phones use one identity (each keeps its own sessions): minting an
 * identity costs a ~7 ms signature, which dominates benchmarks that write to many new contacts.
 */
export class PhonePeers {
  private readonly peers = new Map<string, SignalPeer>()
  private readonly sharedCreds: AuthenticationCreds | undefined

  constructor(
    private readonly logger: Logger,
    shareIdentity: boolean
  ) {
    this.sharedCreds = shareIdentity ? initAuthCreds() : undefined
  }

  get(phoneNumber: string): SignalPeer {
    let peer = this.peers.get(phoneNumber)
    if (!peer) this.peers.set(phoneNumber, (peer = new SignalPeer(this.logger, this.sharedCreds ?? initAuthCreds())))
    return peer
  }
}
