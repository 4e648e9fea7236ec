import { parseArgs } from 'node:util'
import { createClient, EVENT_TYPES, type EventEnvelope, type EventType, WhatsAppApiError, WhatsAppConnectionError } from '@whatsapp-multi-session-api/client'
import { EXIT, UsageError } from './exit-codes.js'
import { followLinking } from './linking.js'
import { jsonLine, type Output, table } from './output.js'

export const USAGE = `Usage: whatsapp-api <command> [arguments] [options]

Commands:
  sessions                         List sessions and their state
  create <id>                      Create a session (then link it with qr or pair)
  qr <id>                          Print the QR code in the terminal, and each new one, until linked
  pair <id> <phone>                Print a pairing code for that phone number, then wait until linked
  send <id> <number> <text>        Send a text message
  events                           Print events as they happen (--type, --session to filter)
  keys <id>                        List the session's named keys
  keys <id> create <name> --scopes send,read,manage
                                   Create a named key (printed once)
  keys <id> revoke <keyId>         Revoke a named key

Options:
  --url <url>        Server URL (or WHATSAPP_API_URL; default http://localhost:3000)
  --key <key>        Admin key or session key (or WHATSAPP_API_KEY)
  --json             Machine-readable output: one JSON document per line
  --type <type>      events: only this type (repeat, or comma-separate)
  --session <id>     events: only this session (required with a session key)
  --timeout <s>      qr, pair: give up after this many seconds (default 300)
  --no-wait          pair: print the code and return without waiting
  -h, --help         This help
  -v, --version      The CLI's version

Exit codes: 0 done, 1 the server answered an error, 2 wrong usage, 3 server unreachable,
4 not linked (qr, pair), 5 an unexpected answer or failure, 130 interrupted.
`

export const VERSION = '2.0.0'

export interface Environment {
  WHATSAPP_API_URL?: string | undefined
  WHATSAPP_API_KEY?: string | undefined
}

function parsed(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
        type: { type: 'string', multiple: true },
        session: { type: 'string' },
        scopes: { type: 'string' },
        timeout: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function eventTypes(values: string[] | undefined): EventType[] | undefined {
  const types = values?.flatMap((value) => value.split(',')).map((type) => type.trim()).filter(Boolean)
  if (types === undefined || types.length === 0) return undefined
  const unknown = types.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type))
  if (unknown.length > 0) throw new UsageError(`unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`)
  return types as EventType[]
}

/** A day at most: longer than a timer can wait, and than anyone waits for a QR scan. */
const MAX_TIMEOUT_SECONDS = 86_400

function timeoutMs(value: string | undefined): number {
  if (value === undefined) return 300_000
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout must be a number of seconds from 0 to ${MAX_TIMEOUT_SECONDS}, not "${value}"`)
  }
  return seconds * 1000
}

/** The positional arguments a command takes, exactly. */
function exactly(positionals: string[], names: readonly string[]): string[] {
  const [command, ...args] = positionals
  if (args.length !== names.length) throw new UsageError(`${command} takes ${names.length === 0 ? 'no arguments' : names.map((name) => `<${name}>`).join(' ')}`)
  return args
}

/** One line per event for people: time, type, session and what it carries. */
function eventLine(event: EventEnvelope): string {
  const data = event.data
  const summary = event.type === 'message.received' || event.type === 'message.sent'
    ? `${String(data.chat)} ${data.text === null ? `[${String(data.type)}]` : JSON.stringify(data.text)}`
    : JSON.stringify(data)
  return `${event.timestamp}  ${event.type.padEnd(18)}  ${event.deviceId}  ${summary}\n`
}

/** Runs one command line; returns the exit code. Everything it prints goes through `out`. */
export async function run(argv: string[], env: Environment, out: Output, signal?: AbortSignal): Promise<number> {
  try {
    const { values, positionals } = parsed(argv)
    if (values.version) {
      out.stdout(`${VERSION}\n`)
      return EXIT.ok
    }
    const command = positionals[0]
    if (values.help || command === 'help') {
      out.stdout(USAGE)
      return EXIT.ok
    }
    if (command === undefined) {
      out.stderr(USAGE)
      return EXIT.usage
    }
    const key = values.key ?? env.WHATSAPP_API_KEY
    if (key === undefined || key === '') throw new UsageError('no API key: pass --key or set WHATSAPP_API_KEY')
    const baseUrl = values.url ?? env.WHATSAPP_API_URL ?? 'http://localhost:3000'
    if (!URL.canParse(baseUrl)) throw new UsageError(`--url is not a URL: "${baseUrl}"`)
    const api = createClient({ baseUrl, apiKey: key })
    const json = values.json
    const print = (value: unknown, text: string): void => out.stdout(json ? jsonLine(value) : text)

    switch (command) {
      case 'sessions': {
        exactly(positionals, [])
        const sessions = await api.sessions.list()
        print(sessions, sessions.length === 0
          ? 'No sessions yet: whatsapp-api create <id>\n'
          : table(['SESSION', 'STATE', 'PHONE', 'NAME'], sessions.map((s) => [s.deviceId, s.connectionState, s.phoneNumber, s.pushName])))
        return EXIT.ok
      }
      case 'create': {
        const [deviceId] = exactly(positionals, ['id'])
        const session = await api.sessions.create(deviceId!)
        print(session, `Created session "${session.deviceId}" (${session.connectionState}); link it: whatsapp-api qr ${session.deviceId}\n`)
        return EXIT.ok
      }
      case 'qr': {
        const [deviceId] = exactly(positionals, ['id'])
        return await followLinking({ api, deviceId: deviceId!, json, timeoutMs: timeoutMs(values.timeout), out, showQr: true, interrupted: signal })
      }
      case 'pair': {
        const [deviceId, phone] = exactly(positionals, ['id', 'phone'])
        const code = await api.sessions.pairingCode(deviceId!, phone!)
        print({ deviceId, code }, `Pairing code: ${code}\nOn the phone: Linked devices > Link a device > Link with phone number instead\n`)
        if (values['no-wait']) return EXIT.ok
        return await followLinking({ api, deviceId: deviceId!, json, timeoutMs: timeoutMs(values.timeout), out, showQr: false, interrupted: signal })
      }
      case 'send': {
        const [deviceId, number, text] = exactly(positionals, ['id', 'number', 'text'])
        const sent = await api.messages.sendText(deviceId!, number!, text!)
        print(sent, `${sent.status === 'queued' ? 'Queued' : 'Sent'}: ${sent.messageId} to ${sent.to}\n`)
        return EXIT.ok
      }
      case 'events': {
        exactly(positionals, [])
        const types = eventTypes(values.type)
        const stream = api.events({
          ...(values.session ? { deviceId: values.session } : {}),
          ...(types ? { types } : {}),
          ...(signal ? { signal } : {}),
          // On stderr, so --json output stays pure; a script can wait for it before acting.
          onOpen: () => out.stderr(`Listening for events from ${baseUrl} (Ctrl-C to stop)\n`),
          onReconnect: (error) => out.stderr(`Stream interrupted (${(error as Error).message}); reconnecting\n`),
        })
        for await (const event of stream) {
          out.stdout(json ? jsonLine(event) : eventLine(event))
        }
        return EXIT.ok
      }
      case 'keys':
        return await keys(api, positionals, values.scopes, json, print)
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (error) {
    if (error instanceof UsageError) {
      out.stderr(`error: ${error.message}\nRun whatsapp-api --help for usage.\n`)
      return EXIT.usage
    }
    if (error instanceof WhatsAppApiError) {
      out.stderr(`error: ${error.message} (HTTP ${error.status})\n`)
      return EXIT.apiError
    }
    if (error instanceof WhatsAppConnectionError) {
      out.stderr(`error: cannot reach the server: ${error.message}\n`)
      return EXIT.unreachable
    }
    out.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.unexpected
  }
}

async function keys(api: ReturnType<typeof createClient>, positionals: string[], scopes: string | undefined, json: boolean, print: (value: unknown, text: string) => void): Promise<number> {
  const [, deviceId, action, argument, ...extra] = positionals
  if (deviceId === undefined || extra.length > 0) throw new UsageError('keys takes <id> [create <name> | revoke <keyId>]')
  if (action === undefined) {
    const list = await api.keys.list(deviceId)
    print(list, list.length === 0
      ? `Session "${deviceId}" has no named keys\n`
      : table(['ID', 'NAME', 'SCOPES', 'KEY', 'LAST USED'], list.map((k) => [k.id, k.name, k.scopes.join(','), k.keyMasked, k.lastUsedAt])))
    return EXIT.ok
  }
  if (action === 'create' && argument !== undefined) {
    if (scopes === undefined) throw new UsageError('keys create needs --scopes (send, read, manage; comma-separated)')
    const created = await api.keys.create(deviceId, argument, scopes.split(',').map((scope) => scope.trim()) as Parameters<typeof api.keys.create>[2])
    print(created, `Created key ${created.key.id} (${created.key.scopes.join(',')}); it is shown only now:\n${created.apiKey}\n`)
    return EXIT.ok
  }
  if (action === 'revoke' && argument !== undefined) {
    await api.keys.revoke(deviceId, argument)
    print({ revoked: argument }, `Revoked ${argument}\n`)
    return EXIT.ok
  }
  throw new UsageError('keys takes <id> [create <name> | revoke <keyId>]')
}
