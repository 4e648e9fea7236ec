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
  `
  CREATE TABLE inbound_messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    chat       TEXT NOT NULL,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    raw        BLOB,
    timestamp  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (device_id, id)
  );
  CREATE INDEX inbound_by_chat ON inbound_messages (device_id, chat, timestamp);
  CREATE INDEX inbound_by_age ON inbound_messages (created_at);
  CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX deliveries_lane ON webhook_deliveries (webhook_id, device_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_by_status ON webhook_deliveries (status, seq);
  `,
  `
  CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // The partial index above is never used: SQLite cannot match "status = 'queued'" to "status IN (...)".
  `
  DROP INDEX messages_pending;
  CREATE INDEX messages_by_status ON messages (status, device_id, seq);
  `,
  // Read receipts: when the session marked a received message read. Messages the account sent from
  // its other devices (the phone) are kept beside the received ones, never unread, with a status.
  `
  ALTER TABLE inbound_messages ADD COLUMN read_at INTEGER;
  ALTER TABLE inbound_messages ADD COLUMN from_me INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE inbound_messages ADD COLUMN status TEXT;
  CREATE INDEX messages_by_chat ON messages (device_id, recipient, created_at);
  CREATE INDEX inbound_unread ON inbound_messages (device_id, chat, timestamp) WHERE read_at IS NULL AND from_me = 0;
  `,
  // The chat list beyond messages (names, archived, pinned, muted, deleted; from history sync and
  // chat actions), the contacts history sync brings (and whose presence the session follows), and messages starred or deleted for this account.
  `
  CREATE TABLE chats (
    device_id     TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    jid           TEXT NOT NULL,
    name          TEXT,
    archived      INTEGER NOT NULL DEFAULT 0,
    pinned_at     INTEGER NOT NULL DEFAULT 0,
    muted_until   INTEGER NOT NULL DEFAULT 0,
    marked_unread INTEGER NOT NULL DEFAULT 0,
    last_activity INTEGER NOT NULL DEFAULT 0,
    cleared_at    INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (device_id, jid)
  ) WITHOUT ROWID;
  CREATE TABLE contacts (
    device_id    TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    jid          TEXT NOT NULL,
    name         TEXT,
    push_name    TEXT,
    phone_number TEXT,
    lid          TEXT,
    presence_subscribed INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (device_id, jid)
  ) WITHOUT ROWID;
  CREATE INDEX contacts_by_lid ON contacts (device_id, lid);
  CREATE TABLE message_marks (
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    starred    INTEGER NOT NULL DEFAULT 0,
    hidden     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, message_id)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE sessions ADD COLUMN reject_calls INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN reject_call_message TEXT;
  `,
  `
  ALTER TABLE sessions ADD COLUMN proxy_url TEXT;
  ALTER TABLE sessions ADD COLUMN behaviour TEXT NOT NULL DEFAULT '{}';
  CREATE TABLE session_keys (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    key_prefix   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
  );
  CREATE INDEX session_keys_by_device ON session_keys (device_id, created_at);
  `,
  `
  CREATE TABLE labels (
    device_id     TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    color         INTEGER NOT NULL,
    predefined_id TEXT,
    PRIMARY KEY (device_id, id)
  );
  CREATE TABLE chat_labels (
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    label_id   TEXT NOT NULL,
    chat_jid   TEXT NOT NULL,
    labeled_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, label_id, chat_jid)
  );
  CREATE INDEX chat_labels_by_chat ON chat_labels (device_id, chat_jid);
  CREATE TABLE label_syncs (
    device_id TEXT PRIMARY KEY REFERENCES sessions(device_id) ON DELETE CASCADE,
    account   TEXT NOT NULL,
    synced_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE kept_media (
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    store_key  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    kept_at    INTEGER NOT NULL,
    PRIMARY KEY (device_id, message_id)
  );
  CREATE INDEX kept_media_by_age ON kept_media (kept_at);
  `,
  `
  CREATE INDEX sessions_by_api_key ON sessions (api_key_hash);
  `,
  // Whether a received message's event was queued: a redelivery of one that was not is announced then.
  `
  ALTER TABLE inbound_messages ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
  `,
  // Only queued and sending messages are ever looked up by status. An index of every status moved
  // each message's entry at every receipt; one partial index per status (SQLite uses a partial
  // index only for the same literal term) holds a message only while it waits or is on the wire.
  `
  DROP INDEX messages_by_status;
  CREATE INDEX messages_queued ON messages (device_id, seq) WHERE status = 'queued';
  CREATE INDEX messages_sending ON messages (device_id) WHERE status = 'sending';
  `,
  // Fewer B-trees written per received text. Rows are numbered in the order they were stored, so
  // retention finds its boundary by seq, not through an index of ages. Deliveries are listed by
  // status: pending ones through the lane index, delivered ones newest first off the table itself,
  // failed ones (written only when a receiver gives up) through indexes of their own. An index of
  // every status moved each delivery's entry at its mark.
  `
  DROP INDEX inbound_by_age;
  DROP INDEX deliveries_by_status;
  CREATE INDEX deliveries_failed ON webhook_deliveries (seq) WHERE status = 'failed';
  CREATE INDEX deliveries_failed_by_device ON webhook_deliveries (device_id, seq) WHERE status = 'failed';
  `,
  // Idempotency keys are unique per session only where there is one: the table's UNIQUE constraint
  // took an entry for every message, most of them without a key, each in the session's part of the
  // index, so every message sent wrote a page there. SQLite cannot drop a constraint, so the table is
  // rebuilt (once, at the first start after the upgrade). The high-water mark of seqs is carried over:
  // a seq is never given twice.
  `
  CREATE TABLE messages_rebuilt (
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
    updated_at      INTEGER NOT NULL
  );
  INSERT INTO messages_rebuilt (seq, id, device_id, recipient, type, content, media, status, error, idempotency_key, wa_message, created_at, updated_at)
    SELECT seq, id, device_id, recipient, type, content, media, status, error, idempotency_key, wa_message, created_at, updated_at FROM messages ORDER BY seq;
  DELETE FROM sqlite_sequence WHERE name = 'messages_rebuilt';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'messages_rebuilt', seq FROM sqlite_sequence WHERE name = 'messages';
  DROP TABLE messages;
  ALTER TABLE messages_rebuilt RENAME TO messages;
  CREATE UNIQUE INDEX messages_idempotency ON messages (device_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX messages_by_chat ON messages (device_id, recipient, created_at);
  CREATE INDEX messages_queued ON messages (device_id, seq) WHERE status = 'queued';
  CREATE INDEX messages_sending ON messages (device_id) WHERE status = 'sending';
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Brings the schema up to `toVersion` (the latest unless a test asks for an older one to upgrade from). */
export function migrate(db: Database.Database, toVersion = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let version = current; version < toVersion; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
