import { createReadStream } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { type MediaStore, sessionPrefix } from './media-store.js'

/** Kept media as files under one directory (DATA_DIR/media), written whole before they appear. */
export function localMediaStore(root: string): MediaStore {
  const pathOf = (key: string): string => join(root, key)
  return {
    kind: 'local',
    put: async (key, data) => {
      const path = pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      const partial = `${path}.partial`
      await writeFile(partial, data)
      await rename(partial, path)
    },
    get: async (key) => {
      const stream = createReadStream(pathOf(key))
      // Opened or not: a missing file is "not kept", anything else is an error to report.
      return new Promise((resolve, reject) => {
        stream.once('open', () => resolve(stream))
        stream.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(undefined) : reject(error)))
      })
    },
    delete: async (keys) => {
      await Promise.all(keys.map((key) => rm(pathOf(key), { force: true })))
    },
    link: async () => null,
    deleteSession: (deviceId) => rm(pathOf(sessionPrefix(deviceId)), { recursive: true, force: true }),
  }
}
