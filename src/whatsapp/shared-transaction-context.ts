import asyncHooks from 'node:async_hooks'
import { syncBuiltinESMExports } from 'node:module'

type Scopes = ReadonlyMap<symbol, unknown>

/** The one AsyncLocalStorage under every Baileys socket's transaction store (see withSharedTransactionContext). */
let shared: asyncHooks.AsyncLocalStorage<Scopes> | undefined

/**
 * What one socket gets instead of its own AsyncLocalStorage: the part of the shared store's value
 * that belongs to it. Another socket's transaction is invisible here even when its context reaches
 * this socket's code (a callback run by a connection pool on behalf of several callers does that),
 * so no socket ever joins another's key transaction.
 */
class SocketScopedStore<S> {
  private readonly scope = Symbol('socket')

  constructor(private readonly store: asyncHooks.AsyncLocalStorage<Scopes>) {}

  getStore(): S | undefined {
    return this.store.getStore()?.get(this.scope) as S | undefined
  }

  run<R, A extends unknown[]>(value: S, callback: (...args: A) => R, ...args: A): R {
    const scopes = new Map(this.store.getStore())
    scopes.set(this.scope, value)
    return this.store.run(scopes, callback, ...args)
  }
}

/**
 * Baileys gives each socket its own AsyncLocalStorage for key transactions. On Node 20 every
 * enabled AsyncLocalStorage is visited on every promise the process creates, and none is ever
 * disabled, so the cost of each await grows with the number of sockets ever opened: with 100
 * sessions a single session's sends ran at half speed. Here all sockets share one, each seeing
 * only its own part of it (SocketScopedStore).
 *
 * While `create` runs (synchronously: makeWASocket builds its transaction store at once),
 * `new AsyncLocalStorage()` anywhere yields a socket-scoped view; the real class is restored after.
 */
export function withSharedTransactionContext<T>(create: () => T): T {
  const Original = asyncHooks.AsyncLocalStorage
  const store = (shared ??= new Original<Scopes>())
  class ScopedAsyncLocalStorage {
    constructor() {
      // A constructor may return another object: every `new` in this window gets a scoped view.
      return new SocketScopedStore(store)
    }
  }
  const exports = asyncHooks as unknown as { AsyncLocalStorage: unknown }
  exports.AsyncLocalStorage = ScopedAsyncLocalStorage
  syncBuiltinESMExports()
  try {
    return create()
  } finally {
    exports.AsyncLocalStorage = Original
    syncBuiltinESMExports()
  }
}
