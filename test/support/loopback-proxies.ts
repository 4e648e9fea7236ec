import { createServer } from 'node:http'
import type { AddressInfo, Server, Socket } from 'node:net'
import { createProxy } from 'proxy'
import socks from 'simple-socks'

/** A real proxy on loopback that demands a user name and password, and logs each tunnel it opened. */
export interface LoopbackProxy {
  /** With the right credentials. */
  url: string
  /** The same proxy with a wrong password. */
  wrongPasswordUrl: string
  /** host:port of every tunnel opened, in order. */
  readonly tunnels: string[]
  close(): Promise<void>
}

const USER = 'wa-user'

/** Listens on loopback; the returned close() ends every connection (tunnels included), then the server. */
async function listening(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      return closed
    },
  }
}

/** An HTTP proxy (CONNECT tunnels) with Basic authentication. */
export async function startHttpProxy(password: string): Promise<LoopbackProxy> {
  const tunnels: string[] = []
  const expected = `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`
  const server = createProxy(createServer())
  server.authenticate = (request) => {
    const allowed = request.headers['proxy-authorization'] === expected
    if (allowed && request.method === 'CONNECT' && request.url) tunnels.push(request.url)
    return allowed
  }
  const { port, close } = await listening(server)
  return { url: `http://${USER}:${password}@127.0.0.1:${port}`, wrongPasswordUrl: `http://${USER}:wrong-${password}@127.0.0.1:${port}`, tunnels, close }
}

/** A SOCKS5 proxy with user name and password authentication (RFC 1929). */
export async function startSocksProxy(password: string): Promise<LoopbackProxy> {
  const tunnels: string[] = []
  const server = socks.createServer({
    authenticate: (user, given, _socket, callback) => callback(user === USER && given === password ? undefined : new Error('wrong credentials')),
  })
  server.on('proxyConnect', (destination: { address: string; port: number }) => tunnels.push(`${destination.address}:${destination.port}`))
  const { port, close } = await listening(server)
  return { url: `socks5://${USER}:${password}@127.0.0.1:${port}`, wrongPasswordUrl: `socks5://${USER}:wrong-${password}@127.0.0.1:${port}`, tunnels, close }
}
