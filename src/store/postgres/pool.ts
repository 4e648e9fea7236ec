import pg from 'pg'
import { PG_QUERY_TIMEOUT_MESSAGE } from '../storage-failure.js'

export type PgPool = pg.Pool
export type PgClient = pg.PoolClient

const { builtins } = pg.types

/**
 * Per-pool parsers rather than pg.types.setTypeParser, which would change every pg user in the
 * process. BIGINT holds epoch milliseconds and counters, all far below 2^53, so numbers are safe;
 * BYTEA keeps pg's own parser, which yields a Buffer.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) => {
    if (oid === builtins.INT8 && format !== 'binary') return Number
    return pg.types.getTypeParser(oid, format)
  },
}

/** A query that outlived `query_timeout`: its connection may be cut off (a partition), so it is not reused. */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === PG_QUERY_TIMEOUT_MESSAGE
}

/**
 * Without a connection timeout, a query (or a readiness check) waits forever for an unreachable
 * server; without a query timeout, forever for one cut off by a partition that drops packets.
 * Tools that run long statements (migrations) pass no query timeout.
 */
export function createPool(url: string, poolSize = 10, queryTimeoutMs?: number): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: Math.min(10_000, queryTimeoutMs ?? Infinity),
    query_timeout: queryTimeoutMs,
    // A node cut off mid-transaction leaves its server session waiting, holding row locks (a lease
    // another node must take over): the server ends it this soon. Keepalives notice a dead peer.
    idle_in_transaction_session_timeout: queryTimeoutMs,
    keepAlive: true,
    types,
  })
  // An idle client that loses its connection is dropped by the pool; without a listener the
  // 'error' event would crash the process. Queries that fail still reject to their callers.
  pool.on('error', () => {})
  return pool
}

/** Runs `work` between BEGIN and COMMIT on one pooled client, rolling back if it throws. */
export async function inTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  // A checked-out client whose connection drops between two queries emits 'error', which the pool
  // only listens for on idle clients: unheard, it would end the process. The next query fails instead.
  const onError = (error: Error): void => {
    broken = error
  }
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    // A timed-out query still occupies the connection: ROLLBACK would only wait behind it. The
    // client is destroyed instead, which ends the transaction on the server.
    if (isQueryTimeout(error)) {
      broken = error as Error
      throw error
    }
    // A client that cannot even roll back is destroyed rather than returned to the pool.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError
    })
    throw error
  } finally {
    client.off('error', onError)
    client.release(broken)
  }
}
