import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BufferJSON, type proto } from '@whiskeysockets/baileys'
import type { SilenceKind } from './faults.js'
import type { Simulator } from './index.js'
import { serveVirtualPhone } from './virtual-phone.js'

export interface ControlServer {
  url: string
  close(): Promise<void>
}

type Body = Record<string, unknown>
type Route = (body: Body, query: URLSearchParams) => Promise<unknown> | unknown

class BadRequest extends Error {}

const MAX_BODY = 1024 * 1024

function str(body: Body, key: string): string {
  const value = body[key]
  if (typeof value !== 'string' || !value) throw new BadRequest(`"${key}" must be a non-empty string`)
  return value
}

function optionalStr(body: Body, key: string): string | undefined {
  return body[key] === undefined ? undefined : str(body, key)
}

function bool(body: Body, key: string): boolean {
  if (typeof body[key] !== 'boolean') throw new BadRequest(`"${key}" must be true or false`)
  return body[key] as boolean
}

function num(body: Body, key: string, fallback?: number): number {
  const value = body[key] ?? fallback
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadRequest(`"${key}" must be a number`)
  return value
}

/** How many pre-keys a provisioned device holds: Baileys uploads 812 at a first login. */
function preKeyCount(body: Body): number {
  const count = num(body, 'preKeys', 0)
  if (!Number.isInteger(count) || count < 0 || count > 812) throw new BadRequest('"preKeys" must be a whole number from 0 to 812')
  return count
}

function oneOf<T extends string>(body: Body, key: string, allowed: readonly T[]): T {
  const value = str(body, key)
  if (!allowed.includes(value as T)) throw new BadRequest(`"${key}" must be one of ${allowed.join(', ')}`)
  return value as T
}

function routes(sim: Simulator): Record<string, Route> {
  const encrypted = (body: Body) => (body.encrypted === undefined ? {} : { encrypted: bool(body, 'encrypted') })
  return {
    'GET /info': () => ({ url: sim.url, rootPublicKeyB64: sim.rootPublicKeyB64 }),
    'GET /connections': (_b, query) => {
      const phoneNumber = query.get('phoneNumber') ?? undefined
      return { live: sim.liveConnections(phoneNumber), log: sim.connectionLog() }
    },
    'GET /received': () => sim.received(),
    'GET /pending-qrs': () => sim.pendingQrs(),
    'GET /accounts': () => sim.linkedAccounts(),
    'GET /media-ca': () => ({ pem: sim.mediaCaPem }),
    'POST /pair-code': body => sim.pairWithCode(str(body, 'phoneNumber'), str(body, 'code')),
    'POST /groups': body => {
      const participants = body.participants
      if (!Array.isArray(participants) || !participants.every(p => typeof p === 'string')) {
        throw new BadRequest('"participants" must be an array of phone numbers')
      }
      return sim.createGroup({ subject: str(body, 'subject'), participants, ...(body.owner ? { owner: str(body, 'owner') } : {}) })
    },
    'POST /group-message': body =>
      sim.sendGroupMessage(str(body, 'group'), str(body, 'from'), { conversation: str(body, 'text') }, encrypted(body)),
    'POST /not-on-whatsapp': body => {
      const phoneNumber = str(body, 'phoneNumber')
      if (bool(body, 'on')) sim.notOnWhatsApp.add(phoneNumber)
      else sim.notOnWhatsApp.delete(phoneNumber)
      return { ok: true }
    },
    'POST /scan': body => sim.scanQr(str(body, 'qr'), { ...(body.phoneNumber ? { phoneNumber: str(body, 'phoneNumber') } : {}) }),
    // creds come back BufferJSON-encoded so another process can log in with them
    'POST /provision': body => sim.provision(optionalStr(body, 'phoneNumber'), { preKeys: preKeyCount(body) }),
    'POST /inbound': body =>
      body.message !== undefined
        ? sim.sendMessage(str(body, 'to'), str(body, 'from'), body.message as proto.IMessage, encrypted(body))
        : sim.sendText(str(body, 'to'), str(body, 'from'), str(body, 'text'), encrypted(body)),
    'POST /receipt': async body => {
      await sim.sendReceipt(str(body, 'to'), str(body, 'messageId'), oneOf(body, 'type', ['delivered', 'read', 'played'] as const))
      return { ok: true }
    },
    'POST /auto-receipts': body => {
      sim.autoReceipts = oneOf(body, 'mode', ['none', 'delivered', 'read'] as const)
      return { ok: true }
    },
    'POST /kick': body => {
      sim.kick(str(body, 'phoneNumber'), num(body, 'code'))
      return { ok: true }
    },
    'POST /drop': body => {
      sim.drop(optionalStr(body, 'phoneNumber'))
      return { ok: true }
    },
    'POST /refuse': body => {
      sim.refuseConnections(bool(body, 'on'))
      return { ok: true }
    },
    'POST /fail-sends': body => {
      sim.failNextSends(str(body, 'phoneNumber'), num(body, 'count'), num(body, 'errorCode', 479))
      return { ok: true }
    },
    'POST /garble-sends': body => {
      sim.garbleNextSends(str(body, 'phoneNumber'), num(body, 'count'))
      return { ok: true }
    },
    'POST /silence': body => {
      sim.silence(oneOf<SilenceKind>(body, 'kind', ['usync', 'prekeys', 'all-iq', 'handshake']), bool(body, 'on'))
      return { ok: true }
    },
    'POST /delay': body => {
      sim.delayMs = num(body, 'ms')
      return { ok: true }
    },
    'POST /unlink': body => {
      sim.unlink(str(body, 'phoneNumber'))
      return { ok: true }
    }
  }
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new BadRequest('body too large')
    chunks.push(chunk)
  }
  if (size === 0) return {}
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('body must be a JSON object')
    return parsed as Body
  } catch (err) {
    throw err instanceof BadRequest ? err : new BadRequest('malformed JSON')
  }
}

function respond(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload, BufferJSON.replacer))
}

/** JSON endpoints mirroring the Simulator API, for demos and tests in another process, and the virtual phone page at /. */
export async function startControlServer(sim: Simulator, opts: { port?: number; host?: string } = {}): Promise<ControlServer> {
  const table = routes(sim)
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control')
    if (req.method === 'GET' && serveVirtualPhone(url.pathname, res)) return
    const route = table[`${req.method} ${url.pathname}`]
    if (!route) return respond(res, 404, { error: `no route ${req.method} ${url.pathname}` })
    readJson(req)
      .then(body => route(body, url.searchParams))
      .then(
        result => respond(res, 200, result),
        (err: Error) => respond(res, err instanceof BadRequest ? 400 : 409, { error: err.message })
      )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve)
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}
