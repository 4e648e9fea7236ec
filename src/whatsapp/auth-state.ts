import {
  type AuthenticationCreds,
  type AuthenticationState,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys'
import type { AuthKeyWrite, AuthStateRepository } from '../store/ports.js'
import { fromBufferJson, toBufferJson } from './buffer-json.js'
import { KeyCache } from './key-cache.js'
import { keyedByData } from './keyed-dictionaries.js'
import type { TurnBudget } from './turn-budget.js'
import { unpoolBuffers } from './unpooled-buffers.js'

/**
 * A parsed key as the cache keeps it, maybe for long: out of the pool block it was parsed into, and
 * what is keyed by data a dictionary rather than a hidden class of its own.
 */
const forCache = <T>(type: string, value: T): T => keyedByData(type, unpoolBuffers(value))

/**
 * Signal sessions, written on every message, are plain JSON (libsignal's serialize() gives base64
 * strings and a fresh object each time, and its deserialize() only reads): they skip the Buffer
 * replacer, and the cache may keep the very object written. Reading still revives byte arrays.
 */
const PLAIN_JSON_TYPES: ReadonlySet<string> = new Set(['session'])
const isPlainJson = (type: string, value: unknown): boolean => PLAIN_JSON_TYPES.has(type) && !(value instanceof Uint8Array)

async function readCreds(repository: AuthStateRepository, deviceId: string): Promise<AuthenticationCreds | undefined> {
  const stored = await repository.readCreds(deviceId)
  // Kept for the session's life: its keys are moved out of the shared pool blocks they were parsed into.
  return stored === undefined ? undefined : unpoolBuffers(fromBufferJson<AuthenticationCreds>(stored))
}

export interface DatabaseAuthState {
  state: AuthenticationState
  /**
   * Persists the whole creds object, which Baileys mutates in place, as it is now. Saves are
   * written in the order they were asked for; the promise settles when this one is written.
   */
  saveCreds(): Promise<void>
  /**
   * Stops all writes: a closed socket must not bring back credentials that were wiped after it.
   * Resolves once the writes already under way have landed, so a wipe can safely follow.
   */
  retire(): Promise<void>
}

/**
 * Bridges Baileys' auth state to the repository. Keys are read from the database on demand and not
 * kept in memory; every keys.set is one transaction, so a crash never leaves half a key update.
 */
export async function databaseAuthState(
  repository: AuthStateRepository,
  deviceId: string,
  {
    cache,
    turns,
    onKeyStoreFailure,
  }: {
    cache?: KeyCache
    turns?: TurnBudget
    /**
     * Hears a failed key read or write, with when it started (performance.now()), before Baileys
     * does: it may carry on as if the work had been done.
     */
    onKeyStoreFailure?: (error: unknown, startedAt: number) => void
  } = {},
): Promise<DatabaseAuthState> {
  const creds = (await readCreds(repository, deviceId)) ?? initAuthCreds()
  let retired = false
  let lastCredsWrite: Promise<unknown> = Promise.resolve()
  const inFlight = new Set<Promise<unknown>>()
  const track = <T>(write: Promise<T>): Promise<T> => {
    const settled = write.catch(() => undefined)
    inFlight.add(settled)
    void settled.then(() => inFlight.delete(settled))
    return write
  }
  const reported = <T>(work: () => Promise<T>): Promise<T> => {
    if (!onKeyStoreFailure) return work()
    const startedAt = performance.now()
    return work().catch((error: unknown) => {
      onKeyStoreFailure(error, startedAt)
      throw error
    })
  }
  const state: AuthenticationState = {
    creds,
    keys: {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        if (turns) await turns.pause()
        // Keyed by JIDs and key ids: a dictionary, not a V8 hidden class per id (keyed-dictionaries.ts).
        const found: { [id: string]: SignalDataTypeMap[T] } = Object.create(null)
        const cacheable = cache !== undefined && KeyCache.isHot(type)
        const unknown = cacheable ? [] : ids
        if (cacheable) {
          for (const id of ids) {
            const cached = cache.get(deviceId, type, id)
            if (cached === undefined) unknown.push(id)
            else if (cached !== null) found[id] = cached.value as SignalDataTypeMap[T]
          }
        }
        const ticket = cache?.readTicket(deviceId) ?? 0
        const texts = unknown.length > 0 ? await reported(() => repository.readKeys(deviceId, type, unknown)) : new Map<string, string>()
        for (const id of unknown) {
          const text = texts.get(id)
          let value = text === undefined ? undefined : fromBufferJson<SignalDataTypeMap[T]>(text)
          if (value !== undefined && cacheable) value = forCache(type, value)
          if (value !== undefined && type === 'app-state-sync-key') {
            value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T]
          }
          if (value !== undefined) found[id] = value
          if (cacheable) cache.rememberRead(deviceId, type, id, value, text?.length ?? 0, ticket)
        }
        return found
      },
      set: async (data: SignalDataSet) => {
        if (turns) await turns.pause()
        if (retired) return
        const writes: AuthKeyWrite[] = []
        const written: unknown[] = []
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) {
            const absent = value === null || value === undefined
            writes.push({ type, id, value: absent ? null : isPlainJson(type, value) ? JSON.stringify(value) : toBufferJson(value) })
            written.push(value)
          }
        }
        // While the write is under way, readers go to the database; afterwards the cache has the new values.
        // Only after the commit: a failed write must not leave the cache ahead of the database.
        cache?.forget(deviceId, writes.filter(({ type }) => KeyCache.isHot(type)))
        await track(reported(() => repository.writeKeys(deviceId, writes)))
        if (cache) {
          writes.forEach(({ type, id, value }, index) => {
            if (!KeyCache.isHot(type)) return
            const cached = value === null ? undefined : isPlainJson(type, written[index]) ? written[index] : forCache(type, fromBufferJson(value))
            cache.rememberWrite(deviceId, type, id, cached, value?.length ?? 0)
          })
        }
      },
      clear: async () => {
        await repository.clear(deviceId)
        cache?.dropDevice(deviceId)
      },
    },
  }
  return {
    state,
    saveCreds: () => {
      if (retired) return Promise.resolve()
      const snapshot = toBufferJson(creds)
      // A pool may run two writes at once; chaining keeps an older snapshot from landing last.
      const write = track(lastCredsWrite.then(() => repository.writeCreds(deviceId, snapshot)))
      lastCredsWrite = write.catch(() => undefined)
      return write
    },
    retire: async () => {
      retired = true
      await Promise.all(inFlight)
    },
  }
}
