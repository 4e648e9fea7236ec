import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'
import { pino } from 'pino'
import { parseConfig } from '../src/config.js'
import { createServer } from '../src/server.js'

// Regenerates the TypeScript SDK's types from the OpenAPI document the server serves: npm run client:types

export const CLIENT_TYPES_FILE = fileURLToPath(new URL('../clients/typescript/src/generated/openapi.ts', import.meta.url))

/** The SDK's types for an OpenAPI document, as the committed file holds them (a field with a default stays optional in requests). */
export async function clientTypesOf(document: object): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0], { defaultNonNullable: false }))
}

/** The document a server with default settings serves (a throwaway database; nothing connects). */
export async function servedOpenApiDocument(): Promise<object> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-'))
  const server = await createServer({
    config: parseConfig({ DATA_DIR: dataDir, ADMIN_API_KEY: 'openapi-document-only-0123456789' }),
    logger: pino({ level: 'silent' }),
    announceAdminKey: () => undefined,
  })
  try {
    return (await server.app.inject({ url: '/docs/json' })).json() as object
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CLIENT_TYPES_FILE, await clientTypesOf(await servedOpenApiDocument()))
  process.stdout.write(`wrote ${CLIENT_TYPES_FILE}\n`)
}
