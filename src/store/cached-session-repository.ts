import type { SessionRecord, SessionRepository } from './ports.js'

/**
 * Keeps every session record in memory in front of the database: they are read several times per
 * request (auth, state checks, pacing) and this process is their only writer, so writes go through
 * to the database and then refresh the copy. A thousand sessions are a few hundred kilobytes.
 */
export function cachedSessionRepository(database: SessionRepository): SessionRepository {
  const records = new Map(database.list().map((record) => [record.deviceId, record]))
  const refresh = (deviceId: string): void => {
    const record = database.get(deviceId)
    if (record) records.set(deviceId, record)
    else records.delete(deviceId)
  }
  const writeThrough = <A extends unknown[]>(write: (deviceId: string, ...rest: A) => void) =>
    (deviceId: string, ...rest: A): void => {
      write(deviceId, ...rest)
      refresh(deviceId)
    }

  return {
    create: (deviceId, desiredState) => {
      const created = database.create(deviceId, desiredState)
      if (created) refresh(deviceId)
      return created
    },
    get: (deviceId) => records.get(deviceId),
    list: () => [...records.values()].sort((a, b) => a.createdAt - b.createdAt || (a.deviceId < b.deviceId ? -1 : 1)),
    setDesiredState: writeThrough(database.setDesiredState),
    setApiKey: writeThrough(database.setApiKey),
    setAccount: writeThrough(database.setAccount),
    setSendRate: writeThrough(database.setSendRate),
    delete: (deviceId) => {
      const deleted = database.delete(deviceId)
      records.delete(deviceId)
      return deleted
    },
  }
}
