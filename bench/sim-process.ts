import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionLogEntry } from '../sim/index.js'
import { awaitLine, startChild, type Child } from './children.js'

interface SimReady {
  url: string
  rootPublicKeyB64: string
  controlUrl: string
  countUrl: string
  connectionLogUrl: string
  mediaCaPem: string
}

/** The simulator process (bench/sim-main.ts) and a client for its control API. */
export class SimProcess {
  private constructor(
    readonly child: Child,
    readonly info: SimReady,
    readonly ackOnly: boolean,
  ) {}

  static async start(root: string, ackOnly: boolean): Promise<SimProcess> {
    const child = startChild(['--import', 'tsx', 'bench/sim-main.ts', ...(ackOnly ? ['--ack-only'] : [])], { cwd: root })
    const match = await awaitLine(child, /^BENCH_SIM_READY (.+)$/m, 60_000)
    return new SimProcess(child, JSON.parse(match[1]!) as SimReady, ackOnly)
  }

  /** The server's environment for this simulator; the media CA goes to a file for NODE_EXTRA_CA_CERTS. */
  serverEnv(dir: string): Record<string, string> {
    const caFile = join(dir, 'sim-media-ca.pem')
    writeFileSync(caFile, this.info.mediaCaPem)
    return { WHATSAPP_URL: this.info.url, WHATSAPP_ROOT_KEY: this.info.rootPublicKeyB64, NODE_EXTRA_CA_CERTS: caFile }
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.info.controlUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`sim POST ${path}: ${response.status} ${text}`)
    return JSON.parse(text) as T
  }

  /** The phone scans a QR code: links that client to a new account and returns its number. */
  async scan(qr: string): Promise<string> {
    return (await this.post<{ phoneNumber: string }>('/scan', { qr })).phoneNumber
  }

  /** A device linked to a new account without pairing; its creds BufferJSON-encoded, as the server stores them. */
  /** A linked device's creds and, with `preKeys`, that many uploaded pre-keys, each as Baileys stores it (BufferJSON), by id. */
  async provision(preKeys = 0): Promise<{ phoneNumber: string; credsJson: string; preKeys: Array<{ id: string; json: string }> }> {
    const provisioned = await this.post<{ phoneNumber: string; creds: unknown; preKeys: Array<{ keyId: number; keyPair: unknown }> }>('/provision', { preKeys })
    return {
      phoneNumber: provisioned.phoneNumber,
      credsJson: JSON.stringify(provisioned.creds),
      preKeys: provisioned.preKeys.map(({ keyId, keyPair }) => ({ id: String(keyId), json: JSON.stringify(keyPair) })),
    }
  }

  /** The simulator's socket open/login/close log from entry `from` on. */
  async connectionLog(from: number): Promise<ConnectionLogEntry[]> {
    return (await (await fetch(`${this.info.connectionLogUrl}?from=${from}`)).json()) as ConnectionLogEntry[]
  }

  /** A contact writes a (Signal-encrypted) text to a linked account. */
  async inbound(to: string, from: string, text: string): Promise<void> {
    await this.post('/inbound', { to, from, text })
  }

  /** A group owned by `owner` (a paired account) with these members; answers its JID. */
  async createGroup(subject: string, owner: string, participants: string[]): Promise<string> {
    return (await this.post<{ jid: string }>('/groups', { subject, owner, participants })).jid
  }

  /** How many times clients asked for the group's metadata, and how many member phones decrypted its messages (summed). */
  async groupStats(jid: string): Promise<{ queries: number; decryptions: number }> {
    const response = await fetch(`${this.info.countUrl.replace('/received-count', '/group-queries')}?jid=${encodeURIComponent(jid)}`)
    return (await response.json()) as { queries: number; decryptions: number }
  }

  /** Messages the simulator received (decrypted) so far, and those received again; always 0 in ackOnly mode. */
  async receivedCount(): Promise<{ count: number; duplicates: number; lastAt: number }> {
    const response = await fetch(this.info.countUrl)
    return (await response.json()) as { count: number; duplicates: number; lastAt: number }
  }

  stop(): Promise<void> {
    return this.child.stop()
  }
}
