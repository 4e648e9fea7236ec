import asyncHooks from 'node:async_hooks'
import { syncBuiltinESMExports } from 'node:module'

/** The one store every Baileys socket's key transactions share (see withSharedTransactionContext). */
let shared: asyncHooks.AsyncLocalStorage<unknown> | undefined

/**
 * Baileys gives each socket its own AsyncLocalStorage for key transactions. On Node 20 every
 * enabled AsyncLocalStorage is visited on every promise the process creates, and none is ever
 * disabled, so the cost of each await grows with the number of sockets ever opened: with 100
 * sessions a single session's sends ran at half speed. Transactions of different sockets run in
 * separate async chains, so one shared store keeps them apart just as well.
 *
 * While `create` runs (synchronously: makeWASocket builds its transaction store at once),
 * `new AsyncLocalStorage()` anywhere yields the shared instance; the real class is restored after.
 */
export function withSharedTransactionContext<T>(create: () => T): T {
  const Original = asyncHooks.AsyncLocalStorage
  const instance = (shared ??= new Original())
  class SharedAsyncLocalStorage<S> extends Original<S> {
    constructor() {
      super()
      // A constructor may return another object: every `new` in this window gets the shared store.
      return instance as unknown as SharedAsyncLocalStorage<S>
    }
  }
  const exports = asyncHooks as { AsyncLocalStorage: typeof Original }
  exports.AsyncLocalStorage = SharedAsyncLocalStorage
  syncBuiltinESMExports()
  try {
    return create()
  } finally {
    exports.AsyncLocalStorage = Original
    syncBuiltinESMExports()
  }
}
