import { BlockList, isIP } from 'node:net'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { Agent, type Dispatcher, fetch, type Response } from 'undici'
import { DomainError } from '../errors.js'

/** Addresses a server must not be tricked into calling: loopback, private, link-local, reserved. */
function privateRanges(): BlockList {
  const list = new BlockList()
  for (const [network, prefix] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
    ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const) list.addSubnet(network, prefix, 'ipv4')
  for (const [network, prefix] of [
    ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32],
  ] as const) list.addSubnet(network, prefix, 'ipv6')
  return list
}

const PRIVATE = privateRanges()

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4')
  const family = isIP(address)
  if (family === 0) return true
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Bytes of a POST's answer read (and thrown away) to keep its connection for the next one, and how long that may take. */
const ANSWER_READ_LIMIT = 64 * 1024
const ANSWER_READ_MS = 1_000

export interface SafeFetchOptions {
  allowPrivate: boolean
  timeoutMs: number
  maxBytes: number
}

/** Where post() sends, parsed once (a webhook's URL serves every delivery to it). */
export interface PostTarget {
  origin: string
  /** Path and query. */
  path: string
}

export function postTarget(url: string): PostTarget {
  const { origin, pathname, search } = new URL(url)
  return { origin, path: `${pathname}${search}` }
}

export interface FetchedBody {
  data: Buffer
  contentType: string | undefined
  finalUrl: string
}

/**
 * Fetches a caller-supplied https URL without letting it reach this machine's network: every
 * address the name resolves to is checked at connect time (so DNS rebinding and redirects are
 * covered too), with a time and size limit.
 */
export class SafeFetcher {
  private readonly agent: Agent

  constructor(private readonly options: SafeFetchOptions) {
    const allowPrivate = options.allowPrivate
    this.agent = new Agent({
      connect: {
        lookup: (hostname, lookupOptions, callback) => {
          dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
            if (error) return callback(error, '', 0)
            const list = addresses as LookupAddress[]
            const blocked = !allowPrivate && list.some(({ address }) => isPrivateAddress(address))
            if (blocked) return callback(new Error(`${hostname} resolves to a private or loopback address`), '', 0)
            if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
            const [first] = list
            return callback(null, first!.address, first!.family)
          })
        },
      },
    })
  }

  /**
   * Checks the URL's form before any request: https (or plain http where allowed), no credentials,
   * no literal private IP or localhost unless private addresses are allowed.
   */
  validate(url: string, { allowHttp = false }: { allowHttp?: boolean } = {}): URL {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new DomainError('invalid_input', 'url is not a valid URL')
    }
    const httpAllowed = allowHttp && this.options.allowPrivate
    if (parsed.protocol !== 'https:' && !(httpAllowed && parsed.protocol === 'http:')) {
      throw new DomainError('invalid_input', httpAllowed ? 'url must use http or https' : 'url must use https')
    }
    if (parsed.username || parsed.password) throw new DomainError('invalid_input', 'url must not contain credentials')
    const host = parsed.hostname.replace(/^\[|\]$/g, '')
    if (!this.options.allowPrivate && (host === 'localhost' || (isIP(host) !== 0 && isPrivateAddress(host)))) {
      throw new DomainError('invalid_input', 'url must not point to a private or loopback address')
    }
    return parsed
  }

  async fetch(url: string): Promise<FetchedBody> {
    const parsed = this.validate(url)
    let response: Response
    try {
      response = await fetch(parsed, {
        dispatcher: this.agent,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      })
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message
      throw new DomainError('invalid_input', `Could not fetch ${parsed.origin}: ${cause}`)
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new DomainError('invalid_input', `Fetching ${parsed.origin} failed with HTTP ${response.status}`)
    }
    const declared = Number(response.headers.get('content-length') ?? 0)
    if (declared > this.options.maxBytes) {
      await response.body?.cancel()
      throw new DomainError('invalid_input', `The file at url is larger than ${this.options.maxBytes} bytes`)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).byteLength
      if (size > this.options.maxBytes) {
        throw new DomainError('invalid_input', `The file at url is larger than ${this.options.maxBytes} bytes`)
      }
      chunks.push(Buffer.from(chunk as Uint8Array))
    }
    return {
      data: Buffer.concat(chunks),
      contentType: response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase(),
      finalUrl: response.url,
    }
  }

  /**
   * POSTs a body and reports the status; redirects are not followed (a webhook that moved must be
   * updated, not chased). Network failures and timeouts reject. Undici's dispatch with a handler of
   * our own, not its request API (a Readable stream, an async resource and parsed headers per
   * answer) nor fetch (WHATWG streams and Request objects): only the status is wanted.
   */
  post(target: PostTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let abortRequest: ((reason: Error) => void) | undefined
      let cancelled: Error | undefined
      const cancel = (reason: Error): void => {
        cancelled ??= reason
        abortRequest?.(reason)
      }
      let status: number | undefined
      let bodyBytes = 0
      const answered = (): void => {
        clearTimeout(timer)
        resolve(status!)
      }
      // Until the status line and headers arrive: the caller's limit. Then the answer's body, which
      // means nothing, is read and dropped so the connection carries the next request; the status
      // counts once it is read (the connection is free then), or once a long or slow one is cut off
      // (its connection with it).
      let timer = setTimeout(() => cancel(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs)
      const handler: Dispatcher.DispatchHandlers = {
        onConnect: (abort) => {
          abortRequest = abort
          if (cancelled) abort(cancelled)
        },
        onHeaders: (statusCode) => {
          // 1xx answers are interim: the final one follows on the same request.
          if (statusCode < 200 || status !== undefined) return true
          status = statusCode
          clearTimeout(timer)
          timer = setTimeout(() => cancel(new Error('The answer\'s body took too long')), ANSWER_READ_MS).unref()
          return true
        },
        onData: (chunk) => {
          bodyBytes += chunk.length
          if (bodyBytes > ANSWER_READ_LIMIT) cancel(new Error('The answer\'s body is too long'))
          return true
        },
        onComplete: answered,
        onError: (error) => {
          if (status === undefined) {
            clearTimeout(timer)
            reject(error)
          } else {
            answered()
          }
        },
      }
      try {
        this.agent.dispatch({
          origin: target.origin,
          path: target.path,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'user-agent': 'whatsapp-multi-session-api', ...headers },
        }, handler)
      } catch (error) {
        clearTimeout(timer)
        reject(error)
      }
    })
  }

  close(): Promise<void> {
    return this.agent.close()
  }
}
