import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMediaTls } from './media-tls.js'

const MAX_UPLOAD = 100 * 1024 * 1024
const DIRECT_PATH_PREFIX = '/m/'

/**
 * WhatsApp's media CDN in miniature: clients POST encrypted blobs to /mms/<type>/<hash>, get back
 * a url and direct path, and anyone GETs the blob from there until it expires (410, as the CDN
 * answers, which is what makes a client ask the phone for a re-upload).
 */
export class MediaHost {
  /** PEM of the CA that signed the host's certificate */
  readonly caPem: string
  private readonly server: Server
  private readonly blobs = new Map<string, Buffer>()
  private readonly expired = new Set<string>()
  private origin = ''

  constructor() {
    const tls = createMediaTls()
    this.caPem = tls.caPem
    this.server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => this.handle(req, res))
  }

  async listen(host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, host, resolve)
    })
    const { address, port } = this.server.address() as AddressInfo
    this.origin = `${address.includes(':') ? `[${address}]` : address}:${port}`
  }

  /** host:port, as media_conn hands it out and media urls carry it */
  get hostname(): string {
    return this.origin
  }

  /** Stores a blob; returns its direct path and full url. */
  put(blob: Buffer): { directPath: string; url: string } {
    const directPath = DIRECT_PATH_PREFIX + randomBytes(12).toString('hex')
    this.blobs.set(directPath, blob)
    return { directPath, url: `https://${this.origin}${directPath}` }
  }

  /** The blob behind a direct path or url, unless expired or unknown. */
  get(directPathOrUrl: string): Buffer | undefined {
    const path = this.pathOf(directPathOrUrl)
    return path && !this.expired.has(path) ? this.blobs.get(path) : undefined
  }

  /**
   * A phone's re-upload: the same encrypted file (expired or not) at a new direct path, as the
   * file keeps its media key; undefined when the host never had it.
   */
  rehost(directPathOrUrl: string): { directPath: string; url: string } | undefined {
    const path = this.pathOf(directPathOrUrl)
    const blob = path ? this.blobs.get(path) : undefined
    return blob ? this.put(blob) : undefined
  }

  /** From now on the blob answers 410 Gone; accepts a direct path, a url or the bare id. */
  expire(directPathOrId: string): boolean {
    const path = this.pathOf(directPathOrId)
    if (!path || !this.blobs.has(path)) return false
    this.expired.add(path)
    return true
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise(resolve => this.server.close(() => resolve()))
  }

  private pathOf(ref: string): string | undefined {
    const path = ref.startsWith('https://') ? new URL(ref).pathname : ref.split('?')[0]!
    if (path.startsWith(DIRECT_PATH_PREFIX)) return path
    return /^[0-9a-f]+$/.test(path) ? DIRECT_PATH_PREFIX + path : undefined
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://media').pathname
    if (req.method === 'POST' && path.startsWith('/mms/')) return this.upload(req, res)
    if (req.method !== 'GET') return void res.writeHead(405).end()
    if (this.expired.has(path)) return void res.writeHead(410).end()
    const blob = this.blobs.get(path)
    if (!blob) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length }).end(blob)
  }

  private upload(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_UPLOAD) return void req.destroy()
      chunks.push(chunk)
    })
    req.on('end', () => {
      const { directPath, url } = this.put(Buffer.concat(chunks))
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url, direct_path: directPath }))
    })
  }
}
