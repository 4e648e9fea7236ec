import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after } from 'node:test'
import { pino } from 'pino'
import { tempDir } from './temp-dir.js'
import { startSimulator, type ConnectionLogEntry, type Simulator, type SimulatorOptions } from '../../sim/index.js'

/** The bundled WhatsApp Web version; pinned so the server never looks one up. */
export const WA_VERSION = '2.3000.1043857760'

export async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ logger: pino({ level: 'silent' }), ...options })
  after(() => sim.close())
  return sim
}

/**
 * The server's environment for talking to this simulator: its endpoint and root key, its media host
 * standing in for WhatsApp's fixed one (history blobs), and trust in that host (plus any extra test
 * CAs) through NODE_EXTRA_CA_CERTS.
 */
export function simEnv(sim: Simulator, extraCaPems: string[] = []): Record<string, string> {
  const caFile = join(tempDir('wa-sim-ca-'), 'ca.pem')
  writeFileSync(caFile, [sim.mediaCaPem, ...extraCaPems].join('\n'))
  return {
    WHATSAPP_URL: sim.url,
    WHATSAPP_ROOT_KEY: sim.rootPublicKeyB64,
    WHATSAPP_MEDIA_HOST: sim.mediaHost,
    WHATSAPP_VERSION: WA_VERSION,
    NODE_EXTRA_CA_CERTS: caFile,
  }
}

/** The most logged-in sockets one account ever had at the same time, replayed from the simulator's log. */
export function maxConcurrentLogins(log: readonly ConnectionLogEntry[], phoneNumber: string): number {
  let live = 0
  let max = 0
  for (const entry of log) {
    if (entry.phoneNumber !== phoneNumber) continue
    if (entry.event === 'login') max = Math.max(max, ++live)
    if (entry.event === 'close' && live > 0) live--
  }
  return max
}

export function loginCount(log: readonly ConnectionLogEntry[], phoneNumber: string): number {
  return log.filter((entry) => entry.phoneNumber === phoneNumber && entry.event === 'login').length
}

/** Fails, naming the session, when any of these accounts ever had two logged-in sockets at once. */
export function assertNeverTwoSockets(sim: Simulator, sessions: ReadonlyArray<{ deviceId: string; phoneNumber: string }>): void {
  const log = sim.connectionLog()
  for (const { deviceId, phoneNumber } of sessions) assert.ok(maxConcurrentLogins(log, phoneNumber) <= 1, `${deviceId} had two live sockets`)
}
