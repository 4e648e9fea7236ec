import { inTransaction, type PgPool } from './pool.js'

/**
 * Ordered schema steps; the index + 1 is the version recorded in schema_migrations. The first
 * step is SQLite's final schema (its five migrations folded together), with the same table and
 * column names, plus the delivery claim columns that let several nodes share one queue.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE sessions (
    device_id            TEXT PRIMARY KEY,
    desired_state        TEXT NOT NULL CHECK (desired_state IN ('running', 'stopped')),
    api_key_hash         TEXT,
    api_key_prefix       TEXT,
    phone_number         TEXT,
    push_name            TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    send_rate_per_minute INTEGER
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
  );
  CREATE TABLE messages (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    device_id       TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    type            TEXT NOT NULL,
    content         TEXT NOT NULL,
    media           BYTEA,
    status          TEXT NOT NULL,
    error           TEXT,
    idempotency_key TEXT,
    wa_message      BYTEA,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (device_id, idempotency_key)
  );
  -- PostgreSQL matches "status = 'queued'" to this predicate, unlike SQLite; the index stays small.
  CREATE INDEX messages_pending ON messages (status, device_id, seq) WHERE status IN ('queued', 'sending');
  CREATE TABLE inbound_messages (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    chat       TEXT NOT NULL,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    raw        BYTEA,
    timestamp  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (device_id, id)
  );
  CREATE INDEX inbound_by_chat ON inbound_messages (device_id, chat, timestamp, seq);
  CREATE INDEX inbound_by_age ON inbound_messages (created_at);
  CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  -- Also serves the cascade from sessions, which PostgreSQL does not index by itself.
  CREATE INDEX webhooks_by_device ON webhooks (device_id, created_at);
  CREATE TABLE webhook_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- The node delivering the lane head, and until when; another node leaves it alone meanwhile.
    claimed_by      TEXT,
    claimed_until   BIGINT
  );
  CREATE INDEX deliveries_lane ON webhook_deliveries (webhook_id, device_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_by_status ON webhook_deliveries (status, seq);
  CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id);
  CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  `,
  // Several nodes on one database: who is alive, which node runs which session (a lease whose
  // epoch only grows, so writes can be fenced), each session's live state, and recent events.
  `
  CREATE TABLE cluster_nodes (
    node_id      TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
  );
  CREATE TABLE session_leases (
    device_id  TEXT PRIMARY KEY REFERENCES sessions(device_id) ON DELETE CASCADE,
    node_id    TEXT,
    epoch      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX session_leases_by_node ON session_leases (node_id);
  CREATE TABLE session_runtime (
    device_id  TEXT PRIMARY KEY REFERENCES sessions(device_id) ON DELETE CASCADE,
    node_id    TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE TABLE cluster_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX cluster_events_by_age ON cluster_events (created_at);
  `,
  // Read receipts: when the session marked a received message read. Messages the account sent from
  // its other devices (the phone) are kept beside the received ones, never unread, with a status.
  `
  ALTER TABLE inbound_messages ADD COLUMN read_at BIGINT;
  ALTER TABLE inbound_messages ADD COLUMN from_me BOOLEAN NOT NULL DEFAULT FALSE;
  ALTER TABLE inbound_messages ADD COLUMN status TEXT;
  CREATE INDEX messages_by_chat ON messages (device_id, recipient, created_at);
  CREATE INDEX inbound_unread ON inbound_messages (device_id, chat, timestamp) WHERE read_at IS NULL AND NOT from_me;
  `,
  // The chat list beyond messages (names, archived, pinned, muted, deleted; from history sync and
  // chat actions), the contacts history sync brings (and whose presence the session follows), and messages starred or deleted for this account.
  `
  CREATE TABLE chats (
    device_id     TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    jid           TEXT NOT NULL,
    name          TEXT,
    archived      BOOLEAN NOT NULL DEFAULT FALSE,
    pinned_at     BIGINT NOT NULL DEFAULT 0,
    muted_until   BIGINT NOT NULL DEFAULT 0,
    marked_unread BOOLEAN NOT NULL DEFAULT FALSE,
    last_activity BIGINT NOT NULL DEFAULT 0,
    cleared_at    BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (device_id, jid)
  );
  CREATE TABLE contacts (
    device_id    TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    jid          TEXT NOT NULL,
    name         TEXT,
    push_name    TEXT,
    phone_number TEXT,
    lid          TEXT,
    presence_subscribed BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (device_id, jid)
  );
  CREATE INDEX contacts_by_lid ON contacts (device_id, lid);
  CREATE TABLE message_marks (
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    starred    BOOLEAN NOT NULL DEFAULT FALSE,
    hidden     BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, message_id)
  );
  `,
  `
  ALTER TABLE sessions ADD COLUMN reject_calls BOOLEAN NOT NULL DEFAULT FALSE, ADD COLUMN reject_call_message TEXT;
  `,
  `
  ALTER TABLE sessions ADD COLUMN proxy_url TEXT, ADD COLUMN behaviour JSONB NOT NULL DEFAULT '{}';
  CREATE TABLE session_keys (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    key_prefix   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
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
    labeled_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, label_id, chat_jid)
  );
  CREATE INDEX chat_labels_by_chat ON chat_labels (device_id, chat_jid);
  CREATE TABLE label_syncs (
    device_id TEXT PRIMARY KEY REFERENCES sessions(device_id) ON DELETE CASCADE,
    account   TEXT NOT NULL,
    synced_at BIGINT NOT NULL
  );
  `,
  `
  CREATE TABLE kept_media (
    device_id  TEXT NOT NULL REFERENCES sessions(device_id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    store_key  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    kept_at    BIGINT NOT NULL,
    PRIMARY KEY (device_id, message_id)
  );
  CREATE INDEX kept_media_by_age ON kept_media (kept_at);
  `,
  `
  CREATE INDEX sessions_by_api_key ON sessions (api_key_hash);
  `,
  // One delivery per webhook and event: an enqueue retried after a timeout that hid its commit adds nothing.
  `
  DELETE FROM webhook_deliveries d USING webhook_deliveries e
   WHERE d.webhook_id = e.webhook_id AND d.event_id = e.event_id AND d.seq > e.seq;
  CREATE UNIQUE INDEX deliveries_once ON webhook_deliveries (webhook_id, event_id);
  `,
  // Whether a received message's event was queued: a redelivery of one that was not is announced then.
  `
  ALTER TABLE inbound_messages ADD COLUMN announced BOOLEAN NOT NULL DEFAULT TRUE;
  `,
  // Fewer indexes written per received text: retention finds its boundary by seq (rows are numbered
  // in the order they were stored), and only failed deliveries, written when a receiver gives up,
  // keep an index of their own. An index of every status moved each delivery's entry at its mark.
  `
  DROP INDEX inbound_by_age;
  DROP INDEX deliveries_by_status;
  CREATE INDEX deliveries_failed ON webhook_deliveries (seq) WHERE status = 'failed';
  CREATE INDEX deliveries_failed_by_device ON webhook_deliveries (device_id, seq) WHERE status = 'failed';
  `,
  // Idempotency keys are unique per session only where there is one: the constraint's index took an
  // entry for every message, most of them without a key.
  `
  ALTER TABLE messages DROP CONSTRAINT messages_device_id_idempotency_key_key;
  CREATE UNIQUE INDEX messages_idempotency ON messages (device_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings the schema (the first on search_path) up to date. The transaction-scoped advisory lock,
 * keyed by schema, makes nodes starting at once wait for the first one and then find nothing to do.
 */
export async function migrate(pool: PgPool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('whatsapp-api:migrate:' || current_schema()))`)
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)')
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')
    for (let version = rows[0]?.version ?? 0; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version]!)
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()])
    }
  })
}
