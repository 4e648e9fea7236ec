import { type BinaryNode, DisconnectReason, S_WHATSAPP_NET } from '@whiskeysockets/baileys'
import { FRAME_ARRIVED } from './socket-event-pacing.js'

/** What the keep-alive uses of a Baileys socket. */
export interface KeepAliveSocket {
  ws: {
    on(event: 'frame' | typeof FRAME_ARRIVED, listener: (frame?: unknown) => void): unknown
    off(event: 'frame' | typeof FRAME_ARRIVED, listener: (frame?: unknown) => void): unknown
    isOpen: boolean
  }
  ev: { on(event: 'connection.update', listener: (update: { connection?: string }) => void): unknown }
  sendNode(node: BinaryNode): Promise<void>
  generateMessageTag(): string
  end(error: Error | undefined): unknown
}

/** The longest interval Node's timers accept (one more and Node makes it 1 ms): Baileys' own keep-alive fires once in 24.8 days. */
export const BAILEYS_KEEP_ALIVE_OFF_MS = 2_147_483_647
/** How long past an interval silence is taken for a dead connection, as Baileys reckons it. */
const GRACE_MS = 5_000

/** The error Baileys ends a silent socket with: its close handler reads the status code. */
const connectionLost = (): Error => Object.assign(new Error('Connection was lost'), { output: { statusCode: DisconnectReason.connectionLost } })

const ping = (id: string): BinaryNode => ({ tag: 'iq', attrs: { id, to: S_WHATSAPP_NET, type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] })

/**
 * Baileys' keep-alive, without its cost: every `intervalMs` a ping, and a socket that has received
 * nothing for an interval and a grace period is ended as lost (DisconnectReason.connectionLost).
 * Baileys sends each ping as a query that waits for its answer: two timers, four formatted stack
 * traces and two error objects per ping, which with ten thousand idle sessions (333 pings a second)
 * was a sixth of the server's idle CPU. The answer needs no waiting for: any frame received shows
 * the connection alive. Starts with the first decoded stanza (the handshake's frames are raw bytes)
 * and stops when the socket closes or is ended as lost. Each ping waits for `pace` (a turn budget
 * for pings alone): sessions that connected together ping together, and a loop held up for a
 * moment finds thousands of them due at once, which sent in one turn held it for over a second.
 * The pace must not queue pings behind other work: the answers are what keeps the socket alive.
 */
export function keepAlive(socket: KeepAliveSocket, intervalMs: number, pace: () => Promise<void> = () => Promise.resolve()): void {
  let lastReceivedAt = Date.now()
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const stop = (): void => {
    stopped = true
    clearInterval(timer)
    socket.ws.off('frame', received)
    socket.ws.off(FRAME_ARRIVED, arrived)
  }
  const send = (): void => {
    if (socket.ws.isOpen) socket.sendNode(ping(socket.generateMessageTag())).catch(() => undefined)
  }
  const tick = (): void => {
    if (stopped) return
    if (Date.now() - lastReceivedAt > intervalMs + GRACE_MS) {
      stop()
      void socket.end(connectionLost())
    } else void pace().then(send)
  }
  function received(frame: unknown): void {
    lastReceivedAt = Date.now()
    if (!(frame instanceof Uint8Array)) timer ??= setInterval(tick, intervalMs)
  }
  // A frame whose handling waits for its turn (paceSocketEvents) already shows the connection alive.
  function arrived(): void {
    lastReceivedAt = Date.now()
  }
  socket.ws.on('frame', received)
  socket.ws.on(FRAME_ARRIVED, arrived)
  socket.ev.on('connection.update', ({ connection }) => {
    if (connection === 'close') stop()
  })
}
