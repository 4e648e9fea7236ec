import { AsyncLocalStorage } from 'node:async_hooks'

/** Builds an AsyncLocalStorage the way Baileys does: through an ESM named import of the builtin. */
export const makeStore = (): AsyncLocalStorage<unknown> => new AsyncLocalStorage()
