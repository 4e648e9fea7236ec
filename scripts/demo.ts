import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { jidDecode } from '@whiskeysockets/baileys'
import pino from 'pino'
import { type ControlServer, startControlServer } from '../sim/control-http.js'
import { type Simulator, startSimulator } from '../sim/index.js'

// Demo: the product server against the loopback WhatsApp simulator, nothing real involved.
// The product only gets WHATSAPP_URL / WHATSAPP_ROOT_KEY (and the media CA through NODE_EXTRA_CA_CERTS).
// PORT, HOST, DATA_DIR and ADMIN_API_KEY are honoured as by `npm start`; the demo only picks other defaults.
const DEFAULT_PHONE_PORT = 7002
const SERVER_PORT = process.env.PORT ?? '3000'
const ADMIN_API_KEY = process.env.ADMIN_API_KEY ?? 'demo-admin-key-change-me'
const DATA_DIR = resolve(process.env.DATA_DIR ?? './data-demo')

/** The virtual phone's page: DEMO_PHONE_PORT, else 7002, else (taken) any free port. */
async function startVirtualPhone(sim: Simulator): Promise<ControlServer> {
  const chosen = process.env.DEMO_PHONE_PORT
  if (chosen !== undefined) return startControlServer(sim, { port: Number(chosen) })
  return startControlServer(sim, { port: DEFAULT_PHONE_PORT }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error
    return startControlServer(sim, { port: 0 })
  })
}

const sim = await startSimulator({ port: 0, logger: pino({ level: 'warn' }) })
const control = await startVirtualPhone(sim)

mkdirSync(DATA_DIR, { recursive: true })
const caFile = resolve(DATA_DIR, 'sim-media-ca.pem')
writeFileSync(caFile, sim.mediaCaPem)

// The virtual phone answers every direct text, so a newcomer sees an inbound message arrive.
sim.onReceived(message => {
  const to = jidDecode(message.to)
  if (message.group || message.text === undefined || to?.server !== 's.whatsapp.net') return
  sim.sendText(message.from, to.user, `Echo: ${message.text}`).catch(err => console.error('echo failed:', err.message))
})

const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    WHATSAPP_URL: sim.url,
    WHATSAPP_ROOT_KEY: sim.rootPublicKeyB64,
    WHATSAPP_VERSION: '2.3000.1043857760',
    ADMIN_API_KEY,
    DATA_DIR,
    PORT: SERVER_PORT,
    ALLOW_PRIVATE_URLS: 'true',
    NODE_EXTRA_CA_CERTS: caFile
  }
})

console.log(`
  WhatsApp API demo — everything runs locally against a simulator (DEMO ONLY)

    server + dashboard:  http://localhost:${SERVER_PORT}
    admin key:           ${ADMIN_API_KEY}
    virtual phone:       ${control.url.replace('127.0.0.1', 'localhost')}
    data:                ${DATA_DIR}

  Create a session in the dashboard, open "Phone number" under "Link a phone", enter any number
  (e.g. +1 555 000 1234) and type the code it shows into the virtual phone's pairing form.
  Texts you send to any number get an "Echo: ..." reply. Ctrl-C stops everything.
`)

let stopping = false
async function stop(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  if (server.exitCode === null) {
    const exited = new Promise(done => server.once('exit', done))
    server.kill('SIGTERM')
    await exited
  }
  await control.close()
  await sim.close()
  process.exit(code)
}
server.once('exit', code => void stop(code ?? 0))
process.once('SIGINT', () => void stop(0))
process.once('SIGTERM', () => void stop(0))
