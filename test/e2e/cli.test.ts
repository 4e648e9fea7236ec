import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import QRCode from 'qrcode'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ADMIN_KEY = 'cli-admin-key-0123456789abcdef'
const QR_PHONE = '15550009301'
const CODE_PHONE = '15550009302'
const CONTACT = '15550009399'

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<number>
}

/** The CLI as a user runs it: its own process, reading URL and key from the environment unless given. */
function cli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'clients/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, WHATSAPP_API_URL: '', WHATSAPP_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const killOnExit = (): void => void child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exit = once(child, 'exit').then(([code]) => {
    process.off('exit', killOnExit)
    return code as number
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exit }
}

describe('whatsapp-api command line (child processes) against the real server and simulator', async () => {
  const sim: Simulator = await startSim()
  const server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  const asAdmin = { WHATSAPP_API_URL: server.baseUrl, WHATSAPP_API_KEY: ADMIN_KEY }
  const finished = async (args: string[], env = asAdmin): Promise<{ code: number; stdout: string; stderr: string }> => {
    const run = cli(args, env)
    const code = await run.exit
    return { code, stdout: run.stdout(), stderr: run.stderr() }
  }

  it('prints usage, and fails with exit code 2 on wrong usage', async () => {
    const help = await finished(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /^Usage: whatsapp-api <command>/)
    const bare = await finished([])
    assert.equal(bare.code, 2)
    assert.equal(bare.stdout, '')
    assert.match(bare.stderr, /^Usage: whatsapp-api/)
    for (const [args, message] of [
      [['launch'], /unknown command "launch"/],
      [['send', 'only-an-id'], /send takes <id> <number> <text>/],
      [['events', '--type', 'message.nope'], /unknown event type message.nope/],
      [['qr', 'x', '--timeout', 'soon'], /--timeout must be a number of seconds from 0 to 86400/],
      [['qr', 'x', '--timeout', '1e12'], /--timeout must be a number of seconds/],
      [['sessions', '--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const run = await finished([...args])
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
    }
    const keyless = await finished(['sessions'], { WHATSAPP_API_URL: server.baseUrl, WHATSAPP_API_KEY: '' })
    assert.equal(keyless.code, 2)
    assert.match(keyless.stderr, /no API key: pass --key or set WHATSAPP_API_KEY/)
  })

  it('creates a session and prints its QR code in the terminal until the phone scans it', async () => {
    const created = await finished(['create', 'cli-one'])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /Created session "cli-one"/)

    const qr = cli(['qr', 'cli-one', '--timeout', '60'], asAdmin)
    await waitFor(() => qr.stdout().includes('Scan with WhatsApp'), { what: 'the QR code printed' })
    const { qrCode } = (await admin.get('/api/sessions/cli-one/qr')).body as { qrCode: string }
    assert.ok(qr.stdout().includes(await QRCode.toString(qrCode, { type: 'terminal', small: true })), 'the terminal shows the current QR code')
    await sim.scanQr(qrCode, { phoneNumber: QR_PHONE })
    assert.equal(await qr.exit, 0, qr.stderr())
    assert.match(qr.stdout(), new RegExp(`Linked: session "cli-one" is connected as \\+${QR_PHONE}`))

    const again = await finished(['qr', 'cli-one', '--timeout', '20'])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /already|Linked/)
    const listed = await finished(['sessions', '--json'])
    assert.deepEqual(JSON.parse(listed.stdout).map((session: { deviceId: string; connectionState: string }) => [session.deviceId, session.connectionState]), [['cli-one', 'connected']])
    const table = await finished(['sessions'])
    assert.match(table.stdout, /^SESSION\s+STATE\s+PHONE\s+NAME\ncli-one\s+connected\s+15550009301/)
  })

  it('links with a pairing code (--json: one document per line)', async () => {
    assert.equal((await finished(['create', 'cli-two', '--json'])).code, 0)
    await waitFor(async () => (await admin.state('cli-two')) === 'qr', { what: 'cli-two waiting to link' })
    const pair = cli(['pair', 'cli-two', CODE_PHONE, '--json', '--timeout', '60'], asAdmin)
    const { code } = await waitFor(() => {
      const first = pair.stdout().split('\n')[0]
      return first ? (JSON.parse(first) as { code: string }) : undefined
    }, { what: 'the pairing code' })
    await sim.pairWithCode(CODE_PHONE, code)
    assert.equal(await pair.exit, 0, pair.stderr())
    assert.deepEqual(JSON.parse(pair.stdout().trim().split('\n')[1]!), { deviceId: 'cli-two', connected: true, phoneNumber: CODE_PHONE })
  })

  it('stops following a QR code on Ctrl-C (130), and at once for a session that is not linking (4)', async () => {
    assert.equal((await finished(['create', 'cli-three'])).code, 0)
    const qr = cli(['qr', 'cli-three'], asAdmin)
    await waitFor(() => qr.stdout().includes('Scan with WhatsApp'), { what: 'the QR code printed' })
    qr.child.kill('SIGINT')
    assert.equal(await qr.exit, 130)
    assert.equal((await admin.post('/api/sessions/cli-three/stop', {})).status, 200)
    const stopped = await finished(['qr', 'cli-three'])
    assert.equal(stopped.code, 4)
    assert.match(stopped.stderr, /session "cli-three" is not linking \(disconnected\); start it to try again/)
  })

  it('sends a message, and exits 1 with the server\'s message when the server refuses', async () => {
    const sent = await finished(['send', 'cli-one', CONTACT, 'hello from a terminal'])
    assert.equal(sent.code, 0, sent.stderr)
    const id = /^Sent: (\S+) to /.exec(sent.stdout)?.[1]
    assert.ok(id, sent.stdout)
    assert.equal((await sim.waitForMessage((message) => message.id === id)).text, 'hello from a terminal')

    const json = await finished(['send', 'cli-one', CONTACT, 'as json', '--json'])
    assert.equal(JSON.parse(json.stdout).success, true)

    const refused = await finished(['send', 'no-such-session', CONTACT, 'x'])
    assert.equal(refused.code, 1)
    assert.equal(refused.stderr, 'error: Session "no-such-session" not found (HTTP 404)\n')
    const wrongKey = await finished(['sessions', '--key', 'definitely-not-the-admin-key'])
    assert.equal(wrongKey.code, 1)
    assert.match(wrongKey.stderr, /Invalid admin API key \(HTTP 403\)/)
    const unreachable = await finished(['send', 'cli-one', CONTACT, 'x', '--url', 'http://127.0.0.1:9'])
    assert.equal(unreachable.code, 3)
    assert.match(unreachable.stderr, /^error: cannot reach the server/)
  })

  it('tails the event stream, filtered by type and session, until interrupted', async () => {
    const events = cli(['events', '--json', '--type', 'message.received', '--session', 'cli-one'], asAdmin)
    await waitFor(() => events.stderr().includes('Listening for events'), { what: 'the stream open' })
    const incoming = await sim.sendText(QR_PHONE, CONTACT, 'seen by the CLI')
    await sim.sendText(CODE_PHONE, CONTACT, 'for the other session')
    const line = await waitFor(() => events.stdout().split('\n').find((entry) => entry.includes(incoming.id)), { what: 'the event printed' })
    const event = JSON.parse(line) as { type: string; deviceId: string; data: { text: string } }
    assert.deepEqual([event.type, event.deviceId, event.data.text], ['message.received', 'cli-one', 'seen by the CLI'])
    events.child.kill('SIGINT')
    assert.equal(await events.exit, 0)
    assert.ok(events.stdout().trim().split('\n').every((entry) => (JSON.parse(entry) as { deviceId: string }).deviceId === 'cli-one'))

    const readable = cli(['events', '--type', 'message.received'], asAdmin)
    await waitFor(() => readable.stderr().includes('Listening for events'), { what: 'the stream open' })
    await sim.sendText(CODE_PHONE, CONTACT, 'plain output')
    await waitFor(() => /message\.received\s+cli-two\s+15550009399@s\.whatsapp\.net "plain output"/.test(readable.stdout()), { what: 'the readable line' })
    readable.child.kill('SIGINT')
    assert.equal(await readable.exit, 0)
  })

  it('creates, lists and revokes named keys', async () => {
    const created = await finished(['keys', 'cli-one', 'create', 'billing bot', '--scopes', 'send', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const { key, apiKey } = JSON.parse(created.stdout) as { key: { id: string; scopes: string[] }; apiKey: string }
    assert.deepEqual(key.scopes, ['send'])
    const sent = await finished(['send', 'cli-one', CONTACT, 'sent with a named key', '--key', apiKey])
    assert.equal(sent.code, 0, sent.stderr)

    const listed = await finished(['keys', 'cli-one'])
    assert.match(listed.stdout, new RegExp(`^ID\\s+NAME\\s+SCOPES\\s+KEY\\s+LAST USED\\n${key.id}\\s+billing bot\\s+send\\s+${apiKey.slice(0, 8)}\\.\\.\\.`))
    assert.ok(!listed.stdout.includes(apiKey), 'a listed key is masked')

    const revoked = await finished(['keys', 'cli-one', 'revoke', key.id])
    assert.equal(revoked.code, 0)
    const refused = await finished(['send', 'cli-one', CONTACT, 'x', '--key', apiKey])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /Invalid API key for session "cli-one" \(HTTP 403\)/)
    const noScopes = await finished(['keys', 'cli-one', 'create', 'x'])
    assert.equal(noScopes.code, 2)
  })
})
