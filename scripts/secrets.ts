import { dataKey, type Env, loadEnv } from '../src/config.js'
import type { SecretBox } from '../src/security/secret-box.js'
import { resealDatabase, type DatabaseLocation } from '../src/store/data-encryption.js'

// Encrypts, re-keys or decrypts the secrets stored in the database: npm run secrets -- --help

const HELP = `Usage: npm run secrets -- <encrypt | rotate | decrypt>

Seals the secrets stored in the database (the linked accounts' credentials and Signal keys,
webhook secrets, proxy URLs) with AES-256-GCM, changes the key they are sealed with, or opens
them again. Each runs in one transaction: all of it happens or none. Stop the server (every node)
first, then start it with the key it should use from now on.

  encrypt   seal a database that is not encrypted yet with DATA_ENCRYPTION_KEY
  rotate    re-seal from DATA_ENCRYPTION_KEY (the current key) to NEW_DATA_ENCRYPTION_KEY
  decrypt   open every secret sealed with DATA_ENCRYPTION_KEY and store it plain again

Keys are 32 bytes in base64 (openssl rand -base64 32). The database is DATABASE_URL when set,
else the SQLite file under DATA_DIR (default ./data). Variables come from the environment and .env.
`

type Plan = [from: SecretBox | undefined, to: SecretBox | undefined]

function required(key: SecretBox | undefined, name: string, what: string): SecretBox {
  if (!key) throw new Error(`Set ${name} to ${what}`)
  return key
}

/** From which key to which each command re-seals (none: plain). */
function plan(command: string, env: Env): Plan {
  const current = (what: string) => required(dataKey(env, 'DATA_ENCRYPTION_KEY'), 'DATA_ENCRYPTION_KEY', what)
  switch (command) {
    case 'encrypt':
      return [undefined, current('the key to seal with')]
    case 'rotate':
      return [current('the key the database is encrypted with'), required(dataKey(env, 'NEW_DATA_ENCRYPTION_KEY'), 'NEW_DATA_ENCRYPTION_KEY', 'the new key')]
    case 'decrypt':
      return [current('the key the database is encrypted with'), undefined]
    default:
      throw new Error(`Unknown command "${command}" (see --help)`)
  }
}

const command = process.argv[2]
try {
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(HELP)
  } else {
    const env = loadEnv()
    const [from, to] = plan(command, env)
    const url = env.DATABASE_URL?.trim()
    const location: DatabaseLocation = url ? { url } : { dataDir: env.DATA_DIR?.trim() || './data' }
    const counts = await resealDatabase(location, from, to)
    const rows = Object.entries(counts).map(([table, count]) => `  ${table.padEnd(12)} ${String(count).padStart(10)}\n`).join('')
    const next = to ? `Start the server with ${command === 'rotate' ? 'the new key as ' : ''}DATA_ENCRYPTION_KEY.` : 'Start the server without DATA_ENCRYPTION_KEY.'
    process.stdout.write(`${rows}Done: the secrets are ${to ? 'sealed' : 'stored plain'}. ${next}\n`)
  }
} catch (error) {
  process.stderr.write(`secrets: ${(error as Error).message.split('\n')[0]}\n`)
  process.exitCode = 1
}
