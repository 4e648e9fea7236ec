import { Boom } from '@hapi/boom'
import { DisconnectReason } from '@whiskeysockets/baileys'

type Executor<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => void

/**
 * Baileys' promiseTimeout, with its outcomes (the promise's own, or after `ms` a Boom "Timed Out"
 * with status DisconnectReason.timedOut carrying the caller's stack), for the timeouts its socket
 * puts on queries and the handshake (a config option the patch adds). Baileys formats the caller's
 * stack up front and makes a second timer promise with a formatted stack of its own, cancelled with
 * a Boom error, for every query: 3.6% of a restore's CPU in a profile of 4,000 sessions. Here the
 * stack is captured when the timeout starts and formatted only if it fires, under a plain timer.
 * Bare Baileys, the bench's ceiling, keeps its own.
 */
export function promiseTimeout<T>(ms: number | undefined, executor: Executor<T>): Promise<T> {
  return ms ? timed(ms, executor, new Error()) : new Promise(executor)
}

/**
 * The same for the write of each frame and the wait for each query's answer (another option of the
 * patch), without the caller's stack. A frame's caller is always the socket's own send, so it would
 * tell nothing, and capturing it cost about 4 µs a frame (a sent message, each receipt's ack, an
 * idle session's ping). The wait's timeout Baileys catches and logs with the message id; the query
 * around it has its own timeout, started first, which carries the stack. A restore sends about a
 * dozen queries per session.
 */
export function frameTimeout<T>(ms: number | undefined, executor: Executor<T>): Promise<T> {
  return ms ? timed(ms, executor) : new Promise(executor)
}

function timed<T>(ms: number, executor: Executor<T>, caller?: Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Boom('Timed Out', { statusCode: DisconnectReason.timedOut, data: { stack: caller?.stack } })), ms)
    executor(resolve, reject)
  }).finally(() => clearTimeout(timer))
}
