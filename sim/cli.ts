import { parseArgs } from 'node:util'
import pino from 'pino'
import { startControlServer } from './control-http.js'
import { startSimulator } from './index.js'

// npx tsx sim/cli.ts --port 7001 --control-port 7002 [--host 127.0.0.1] [--log-level info] [--ack-only]
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7001' },
    'control-port': { type: 'string', default: '7002' },
    host: { type: 'string', default: '127.0.0.1' },
    'log-level': { type: 'string', default: 'info' },
    'ack-only': { type: 'boolean', default: false }
  }
})

const logger = pino({ level: values['log-level'] })
const sim = await startSimulator({ port: Number(values.port), host: values.host, logger, ackOnly: values['ack-only'] })
const control = await startControlServer(sim, { port: Number(values['control-port']), host: values.host })

console.log(`simulator url:      ${sim.url}`)
console.log(`root public key:    ${sim.rootPublicKeyB64}`)
console.log(`control api:        ${control.url}  (virtual phone page at /)`)
console.log(`media host:         https://${sim.mediaHost}  (CA: GET ${control.url}/media-ca; trust it with NODE_EXTRA_CA_CERTS)`)
console.log(`product env:        WHATSAPP_URL=${sim.url} WHATSAPP_ROOT_KEY=${sim.rootPublicKeyB64}`)

const shutdown = async () => {
  await control.close()
  await sim.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
