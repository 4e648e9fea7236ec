import { createServer, type Server, type Socket, connect } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A TCP proxy on loopback in front of a real service; a test or the bench cuts it to make the service unreachable. */
export interface TcpProxy {
  port: number
  /** Connections the proxy accepted so far, those reset by cut() included (refuse() turns them away before they count). */
  readonly attempts: number
  /** Drops every open connection and resets new ones as soon as they are accepted, as a front door with nothing behind it would. */
  cut(): void
  /** Drops every open connection and stops listening, so new ones are refused (ECONNREFUSED), as an unreachable host's would be. */
  refuse(): void
  /**
   * A network partition: connections stay open but nothing gets through either way, and new ones
   * are accepted but never reach the service. Bytes sent meanwhile arrive when restored, as TCP
   * retransmits them after a partition heals.
   */
  blackhole(): void
  /** Accepts and forwards connections again. */
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let cut = false
  let holding = false
  let attempts = 0
  /** What a partition holds back, in order, to deliver once it heals. */
  let held: Array<() => void> = []
  const track = (socket: Socket): void => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('error', () => undefined)
  }
  /** Passes something to the other side now, or once a partition heals (a close included: the peer cannot tell either). */
  const across = (deliver: () => void): void => {
    if (holding) held.push(deliver)
    else deliver()
  }
  const forward = (from: Socket, to: () => Socket | undefined): void => {
    from.on('data', (chunk: Buffer) => across(() => to()?.write(chunk)))
  }
  const server: Server = createServer((client) => {
    attempts++
    if (cut) return void client.destroy()
    track(client)
    let upstream: Socket | undefined
    const reach = (): void => {
      if (client.destroyed) return
      upstream = connect(targetPort, targetHost)
      track(upstream)
      forward(upstream, () => client)
      upstream.on('close', () => across(() => client.destroy()))
    }
    forward(client, () => upstream)
    client.on('close', () => across(() => upstream?.destroy()))
    across(reach)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxy: TcpProxy = {
    port: (server.address() as AddressInfo).port,
    get attempts() {
      return attempts
    },
    cut: () => {
      cut = true
      held = []
      for (const socket of open) socket.destroy()
    },
    blackhole: () => {
      holding = true
    },
    refuse: () => {
      proxy.cut()
      if (server.listening) server.close()
    },
    restore: () => {
      if (!server.listening) server.listen(proxy.port, '127.0.0.1')
      cut = false
      holding = false
      const backlog = held
      held = []
      for (const deliver of backlog) deliver()
    },
    close: async () => {
      proxy.cut()
      // Resolves whether it was listening or not (refused, or re-listening after restore()).
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return proxy
}
