import type { TurnBudget } from './turn-budget.js'

interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean
}

/**
 * Emitted at once for each frame that arrives, before its handling waits for a turn: what proves a
 * connection alive (the keep-alive) must not wait behind a backlog of work.
 */
export const FRAME_ARRIVED = Symbol('frame arrived')

/** The WebSocket client's events whose handling waits for the turn budget. */
const PACED_EVENTS: ReadonlySet<string | symbol> = new Set(['message', 'close'])

/**
 * What a socket receives is handled in the poll phase that read it, one callback after another:
 * with thousands of sockets answering at once (a restore, a network drop closing every socket) that
 * phase held the event loop for hundreds of milliseconds, more while V8 was marking the heap, since
 * each allocation then pays for some marking. The WebSocket client's frames ('message': Baileys
 * decrypts, decodes and handles each) and its close (an error whose stack trace is formatted, the
 * last credentials save, about 0.3 ms a socket) wait for the turn budget the key work shares, so the
 * work spreads over turns with I/O and timers in between. The budget lets callers through in the
 * order they came, so a socket's frames and its close keep their order. FRAME_ARRIVED is emitted
 * at once for each frame.
 */
export function paceSocketEvents(ws: Emitter, turns: TurnBudget): void {
  const emit = ws.emit.bind(ws)
  ws.emit = (event, ...args) => {
    if (!PACED_EVENTS.has(event)) return emit(event, ...args)
    if (event === 'message') emit(FRAME_ARRIVED)
    void turns.pause().then(() => emit(event, ...args))
    return true
  }
}
