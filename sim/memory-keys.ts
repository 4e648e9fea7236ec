import type { SignalDataSet, SignalDataTypeMap, SignalKeyStoreWithTransaction } from '@whiskeysockets/baileys'

/** Signal key store held in a Map; transactions run straight through (nothing to roll back). */
export function makeMemoryKeyStore(): SignalKeyStoreWithTransaction {
  const data = new Map<string, unknown>()
  return {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const found: { [id: string]: SignalDataTypeMap[T] } = {}
      for (const id of ids) {
        const value = data.get(`${type}:${id}`)
        if (value !== undefined) found[id] = value as SignalDataTypeMap[T]
      }
      return found
    },
    set(set: SignalDataSet) {
      for (const [type, entries] of Object.entries(set)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null) data.delete(`${type}:${id}`)
          else data.set(`${type}:${id}`, value)
        }
      }
    },
    isInTransaction: () => false,
    transaction: exec => exec()
  }
}
