import type { ClientRequest } from 'node:http'
import type { Socket } from 'node:net'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { SocksClient } from 'socks'
import { SocksProxyAgent } from 'socks-proxy-agent'
import { Agent as UndiciAgent, buildConnector, type Dispatcher, ProxyAgent } from 'undici'

/** A proxy refused or failed: its message names the proxy (never its credentials). */
export class ProxyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProxyError'
  }
}

/** How one session reaches WhatsApp through its proxy. */
export interface ProxyTransport {
  /** For the WebSocket and media uploads (Node's http and https modules). */
  agent: HttpsProxyAgent<string> | SocksProxyAgent
  /** For media downloads (fetch). */
  dispatcher: Dispatcher
}

/** The proxy's address without its credentials, for messages and logs. */
export function proxyName(proxyUrl: string): string {
  const url = new URL(proxyUrl)
  return `${url.protocol}//${url.host}`
}

const failure = (name: string, error: unknown): ProxyError =>
  error instanceof ProxyError ? error : new ProxyError(`Proxy ${name} failed: ${(error as Error).message}`)

async function throughProxy(name: string, connecting: Promise<Socket>): Promise<Socket> {
  try {
    return await connecting
  } catch (error) {
    throw failure(name, error)
  }
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1]

/** An HTTP CONNECT proxy whose refusals (407, 403, ...) are errors naming it, not a replayed response. */
class CheckedHttpProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxyUrl: string, private readonly name: string) {
    super(proxyUrl)
  }

  override async connect(request: ClientRequest, options: ConnectOptions): Promise<Socket> {
    let refusal: string | undefined
    request.once('proxyConnect', ({ statusCode, statusText }: { statusCode: number; statusText: string }) => {
      if (statusCode !== 200) refusal = `${statusCode} ${statusText}`.trim()
    })
    const socket = await throughProxy(this.name, super.connect(request, options))
    if (refusal === undefined) return socket
    socket.destroy()
    throw new ProxyError(`Proxy ${this.name} refused the connection: ${refusal}`)
  }
}

class CheckedSocksProxyAgent extends SocksProxyAgent {
  constructor(proxyUrl: string, private readonly name: string) {
    super(proxyUrl)
  }

  override connect(request: ClientRequest, options: ConnectOptions): Promise<Socket> {
    return throughProxy(this.name, super.connect(request, options))
  }
}

/** fetch through a SOCKS5 proxy: the tunnel from the socks client, TLS from undici's own connector. */
function socksDispatcher(proxy: URL, name: string): Dispatcher {
  const tls = buildConnector({})
  return new UndiciAgent({
    connect: (options, callback) => {
      const secure = options.protocol === 'https:'
      SocksClient.createConnection({
        proxy: {
          host: proxy.hostname,
          port: Number(proxy.port),
          type: 5,
          ...(proxy.username ? { userId: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } : {}),
        },
        command: 'connect',
        // The proxy resolves the name, as for the socket: no look-up of WhatsApp's hosts from here.
        destination: { host: options.hostname, port: Number(options.port) || (secure ? 443 : 80) },
      }).then(
        ({ socket }) => {
          try {
            if (secure) tls({ ...options, httpSocket: socket }, callback)
            else callback(null, socket)
          } catch (error) {
            socket.destroy()
            callback(failure(name, error), null)
          }
        },
        (error: unknown) => callback(failure(name, error), null),
      )
    },
  })
}

/** fetch through an HTTP proxy; credentials as a header, so a user name alone is sent too (as for the socket). */
function httpProxyDispatcher(proxy: URL): Dispatcher {
  const credentials = proxy.username ? `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}` : undefined
  return new ProxyAgent({
    uri: `${proxy.protocol}//${proxy.host}`,
    ...(credentials ? { token: `Basic ${Buffer.from(credentials).toString('base64')}` } : {}),
  })
}

/** The agent and dispatcher for a validated http, https or socks5 proxy URL (see parseProxyUrl). */
export function proxyTransport(proxyUrl: string): ProxyTransport {
  const url = new URL(proxyUrl)
  const name = proxyName(proxyUrl)
  if (url.protocol === 'socks5:') {
    // socks5h: the proxy resolves host names, as with the dispatcher (plain socks5 would look them up here).
    return { agent: new CheckedSocksProxyAgent(proxyUrl.replace(/^socks5:/, 'socks5h:'), name), dispatcher: socksDispatcher(url, name) }
  }
  return { agent: new CheckedHttpProxyAgent(proxyUrl, name), dispatcher: httpProxyDispatcher(url) }
}
