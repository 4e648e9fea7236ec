import { Api } from './api.js'
import type { NodeSample } from './cluster.js'
import type { ConnectionWatch } from './connection-watch.js'
import { settledMemory } from './memory.js'
import type { ServerProcess } from './server-process.js'
import { sleep } from './wait.js'

export interface NodeView {
  nodeId: string
  alive: boolean
  sessions: string[]
}

/** One poll: GET /api/cluster and /api/sessions on one node. */
export interface Look {
  nodes: NodeView[]
  states: Map<string, string>
  /** Milliseconds since the phase began, when the answers were in. */
  elapsedMs: number
}

/**
 * How often the observer looks: every 200 ms, less often at scale, where one look lists every
 * session (10,000: about 5 MB of JSON from the node it asks) and would load that node itself.
 */
export const pollMsFor = (sessions: number): number => Math.max(200, Math.round(sessions / 10))
const SETTLE_MAX_S = 30
/** Characters of each node's output in a timeout error, and of a server log line in a failed poll. */
const OUTPUT_TAIL = 3000
const SERVER_LOG_CHARS = 600

/** Watches the cluster through one node's API and, for what "connected" means, through the simulator. */
export class ClusterObserver {
  /** Polls whose /api/cluster or /api/sessions call failed, with the node's log line for a 5xx where found. */
  readonly failedPolls: string[] = []
  private readonly deviceIds: string[]

  readonly pollMs: number

  constructor(
    private readonly nodes: ReadonlyMap<string, ServerProcess>,
    private readonly adminKey: string,
    private readonly watch: ConnectionWatch,
    /** Phone number by device id. */
    private readonly phones: ReadonlyMap<string, string>,
  ) {
    this.deviceIds = [...phones.keys()]
    this.pollMs = pollMsFor(this.deviceIds.length)
  }

  /** Polls `viaId` until `done`; every view goes to `done`, so it can note intermediate times. A failed poll is noted, not fatal. */
  async pollUntil(what: string, viaId: string, startedAt: number, timeoutMs: number, done: (view: Look) => boolean): Promise<Look> {
    let last = 'no answer'
    for (;;) {
      const view = await this.look(viaId, startedAt).catch((error: Error) => void this.failedPolls.push(this.withServerLog(error.message, viaId)))
      if (view && done(view)) return view
      if (view) last = describe(view)
      if (performance.now() - startedAt > timeoutMs) {
        const tails = [...this.nodes].map(([id, node]) => `--- ${id} (last output)\n${node.child.output().slice(-OUTPUT_TAIL)}`)
        throw new Error(`cluster: no ${what} after ${timeoutMs} ms: ${last}\n${tails.join('\n')}`)
      }
      await sleep(this.pollMs)
    }
  }

  /** Listed connected, and logged in at the simulator (since `since`, epoch ms, if given). */
  connected(view: Look, deviceId: string, since = 0): boolean {
    return view.states.get(deviceId) === 'connected' && this.watch.loggedIn(this.phones.get(deviceId)!, since)
  }

  allConnected(view: Look): boolean {
    return this.deviceIds.every((id) => this.connected(view, id))
  }

  /** Exactly `expected` alive, every session held by one of them and connected, each within one of its fair share. */
  even(view: Look, expected: string[]): boolean {
    const live = view.nodes.filter((node) => node.alive)
    if (live.length !== expected.length || !expected.every((id) => live.some((node) => node.nodeId === id))) return false
    const held = new Set(live.flatMap((node) => node.sessions))
    const fair = this.deviceIds.length / live.length
    return this.deviceIds.every((id) => held.has(id) && this.connected(view, id)) && live.every((node) => Math.abs(node.sessions.length - fair) <= 1)
  }

  /** Sessions per live node, and its settled RSS if `withMemory`. */
  sample(view: Look, withMemory: boolean): Promise<NodeSample[]> {
    return Promise.all(
      view.nodes
        .filter((node) => node.alive)
        .map(async (node) => {
          const server = this.nodes.get(node.nodeId)!
          const rssBytes = withMemory ? (await settledMemory(server.pid, server.baseUrl, SETTLE_MAX_S)).rssBytes : null
          return { nodeId: node.nodeId, sessions: node.sessions.length, rssBytes }
        }),
    )
  }

  private async look(viaId: string, startedAt: number): Promise<Look> {
    const api = new Api(this.nodes.get(viaId)!.baseUrl, this.adminKey)
    const [cluster, sessions] = await Promise.all([api.expect(200, 'GET', '/api/cluster'), api.sessions()])
    // after the API answered: a session it lists connected has logged in at the simulator by then
    await this.watch.update()
    return {
      nodes: cluster.nodes as NodeView[],
      states: new Map(sessions.map((s) => [s.deviceId, s.connectionState])),
      elapsedMs: performance.now() - startedAt,
    }
  }

  /** Appends the node's own log line for the request id in a 5xx answer, if its output has one. */
  private withServerLog(message: string, nodeId: string): string {
    const requestId = /"requestId":"([^"]+)"/.exec(message)?.[1]
    const line = requestId && this.nodes.get(nodeId)!.child.output().split('\n').find((entry) => entry.includes(requestId) && entry.includes('"err"'))
    return line ? `${message}; server log: ${line.slice(0, SERVER_LOG_CHARS)}` : message
  }
}

function describe(view: Look): string {
  const nodes = view.nodes.map((node) => `${node.nodeId}${node.alive ? '' : ' (dead)'}: ${node.sessions.length}`).join(', ')
  const connected = [...view.states.values()].filter((state) => state === 'connected').length
  return `${nodes}; ${connected}/${view.states.size} listed connected`
}
