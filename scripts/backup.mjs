#!/usr/bin/env node
// Online backup of the SQLite database: consistent while the server runs (SQLite's backup API),
// so sessions stay connected. Usage: node scripts/backup.mjs [target-file]  (DATA_DIR as for the server)
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'

const dataDir = process.env.DATA_DIR ?? './data'
const source = join(dataDir, 'whatsapp-api.db')
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const target = resolve(process.argv[2] ?? join(dataDir, 'backups', `whatsapp-api-${stamp}.db`))

mkdirSync(dirname(target), { recursive: true })
const db = new Database(source, { readonly: true, fileMustExist: true })
try {
  await db.backup(target)
  process.stdout.write(`Backed up ${source} to ${target}\n`)
} finally {
  db.close()
}
