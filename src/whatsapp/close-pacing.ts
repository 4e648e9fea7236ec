import type { TurnBudget } from './turn-budget.js'

interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean
}

/**
 * A network drop closes every socket in the same poll phase, and each close ran Baileys' handling
 * (an error whose stack trace is formatted for a log line, listeners removed, the last credentials
 * save and the session's own handling behind it) in that one turn: about 0.3 ms a socket, a stall
 * of 300 ms for a thousand sessions. The close event of a socket's WebSocket client waits for the
 * turn budget instead, so the closes spread over turns with I/O and timers in between.
 */
export function paceCloseEvents(ws: Emitter, turns: TurnBudget): void {
  const emit = ws.emit.bind(ws)
  ws.emit = (event, ...args) => {
    if (event !== 'close') return emit(event, ...args)
    void turns.pause().then(() => emit(event, ...args))
    return true
  }
}
