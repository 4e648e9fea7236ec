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
  `
  ALTER TABLE sessions ADD COLUMN send_rate_per_minute INTEGER;
  CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    device_id       TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    type            TEXT NOT NULL,
    content         TEXT NOT NULL,
    media           BLOB,
    status          TEXT NOT NULL,
    error           TEXT,
    idempotency_key TEXT,
    wa_message      BLOB,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (device_id, idempotency_key)
  );
  CREATE INDEX messages_pending ON messages (device_id, status, seq) WHERE status IN ('queued', 'sending');
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
