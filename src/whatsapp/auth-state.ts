import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys'
import type { AuthKeyWrite, AuthStateRepository } from '../store/ports.js'

const serialize = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer)
const deserialize = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T

function readCreds(repository: AuthStateRepository, deviceId: string): AuthenticationCreds | undefined {
  const stored = repository.readCreds(deviceId)
  return stored === undefined ? undefined : deserialize<AuthenticationCreds>(stored)
}

export interface DatabaseAuthState {
  state: AuthenticationState
  /** Persists the whole creds object, which Baileys mutates in place. */
  saveCreds(): void
  /** Stops all writes: a closed socket must not bring back credentials that were wiped after it. */
  retire(): void
}

/**
 * Bridges Baileys' auth state to the repository. Keys are read from the database on demand and not
 * kept in memory; every keys.set is one transaction, so a crash never leaves half a key update.
 */
export function databaseAuthState(repository: AuthStateRepository, deviceId: string): DatabaseAuthState {
  const creds = readCreds(repository, deviceId) ?? initAuthCreds()
  let retired = false
  const state: AuthenticationState = {
    creds,
    keys: {
      get: <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const found: { [id: string]: SignalDataTypeMap[T] } = {}
        for (const [id, text] of repository.readKeys(deviceId, type, ids)) {
          let value = deserialize<SignalDataTypeMap[T]>(text)
          if (type === 'app-state-sync-key') {
            value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T]
          }
          found[id] = value
        }
        return found
      },
      set: (data: SignalDataSet) => {
        if (retired) return
        const writes: AuthKeyWrite[] = []
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) {
            writes.push({ type, id, value: value === null || value === undefined ? null : serialize(value) })
          }
        }
        repository.writeKeys(deviceId, writes)
      },
      clear: () => repository.clear(deviceId),
    },
  }
  return {
    state,
    saveCreds: () => {
      if (!retired) repository.writeCreds(deviceId, serialize(creds))
    },
    retire: () => {
      retired = true
    },
  }
}
