import type Database from 'better-sqlite3'

/** Ordered schema steps; the index + 1 is the schema version stored in PRAGMA user_version. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE sessions (
    device_id      TEXT PRIMARY KEY,
    desired_state  TEXT NOT NULL CHECK (desired_state IN ('running', 'stopped')),
    api_key_hash   TEXT,
    api_key_prefix TEXT,
    phone_number   TEXT,
    push_name      TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  );
  CREATE TABLE auth_creds (
    device_id TEXT PRIMARY KEY REFERENCES sessions(device_id) ON DELETE CASCADE,
    creds     TEXT NOT NULL
  );
  CREATE TABLE auth_keys (
    device_id TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (device_id, type, key_id)
  ) WITHOUT ROWID;
  `,
]

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
