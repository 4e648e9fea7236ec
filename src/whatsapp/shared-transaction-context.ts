import { AsyncLocalStorage } from 'node:async_hooks'

type Scopes = ReadonlyMap<symbol, unknown>

/** The one AsyncLocalStorage under every Baileys socket's transaction store (see socketTransactionStore). */
const shared = new AsyncLocalStorage<Scopes>()

/** A transaction's context, open until the callback that runs it has finished. */
interface Scope<S> {
  value: S
  open: boolean
}

/**
 * What one socket gets instead of its own AsyncLocalStorage: the part of the shared store's value
 * that belongs to it. Another socket's transaction is invisible here even when its context reaches
 * this socket's code (a callback run by a connection pool on behalf of several callers does that),
 * so no socket ever joins another's key transaction.
 *
 * A transaction's context also ends with the transaction. Baileys starts work inside a transaction
 * that outlives it (after a one-to-one send it issues a privacy token and records when, in a promise
 * chain begun in relayMessage's transaction); with plain AsyncLocalStorage that work would still see
 * the committed transaction, and its key writes would go into it and be lost, so the token was issued
 * again with every message. Here such work reads and writes the keys as outside any transaction.
 */
class SocketScopedStore<S> {
  private readonly scope = Symbol('socket')

  constructor(private readonly store: AsyncLocalStorage<Scopes>) {}

  getStore(): S | undefined {
    const entry = this.store.getStore()?.get(this.scope) as Scope<S> | undefined
    return entry?.open ? entry.value : undefined
  }

  run<R, A extends unknown[]>(value: S, callback: (...args: A) => R, ...args: A): R {
    const entry: Scope<S> = { value, open: true }
    const close = (): void => {
      entry.open = false
    }
    const scopes = new Map(this.store.getStore())
    scopes.set(this.scope, entry)
    let result: R
    try {
      result = this.store.run(scopes, callback, ...args)
    } catch (error) {
      close()
      throw error
    }
    // Registered before the caller's own await on the result, so the context is closed when it resumes.
    if (result instanceof Promise) void result.then(close, close)
    else close()
    return result
  }
}

/**
 * Baileys gives each socket its own AsyncLocalStorage for key transactions unless the socket's
 * transactionOpts supply one (`storage`, a patch). On Node 20 every enabled AsyncLocalStorage is
 * visited on every promise the process creates, and none is ever disabled, so the cost of each await
 * grows with the number of sockets ever opened: with 100 sessions a single session's sends ran at
 * half speed. Here every socket gets a view of one shared store, seeing only its own part of it.
 */
export function socketTransactionStore<S>(): SocketScopedStore<S> {
  return new SocketScopedStore<S>(shared)
}
