import { after } from 'node:test'
import { pino } from 'pino'
import { parseConfig } from '../../src/config.js'
import { createServer, type Server } from '../../src/server.js'
import { FakeConnector } from './fake-connector.js'
import { tempDir } from './temp-dir.js'

export const ADMIN_KEY = 'test-admin-key-0123456789'

export interface InProcessServer {
  server: Server
  connector: FakeConnector
  adminHeaders: Record<string, string>
}

/** The real app and SQLite file with a hand-driven WhatsApp connector, closed after the test file. */
export async function startInProcessServer(
  env: Record<string, string> = {},
  connector = new FakeConnector(),
): Promise<InProcessServer> {
  const server = await createServer({
    config: parseConfig({ DATA_DIR: tempDir(), ADMIN_API_KEY: ADMIN_KEY, ...env }),
    logger: pino({ level: 'silent' }),
    announceAdminKey: () => undefined,
    connector: () => connector,
  })
  after(() => server.close())
  return { server, connector, adminHeaders: { authorization: `Bearer ${ADMIN_KEY}` } }
}
