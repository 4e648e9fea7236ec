import { join } from 'node:path'
import type { ClusterOptions } from './args.js'
import { createSchema, seedLinkedSessions } from './cluster-db.js'
import { ClusterObserver, type Look } from './cluster-observer.js'
import { ConnectionWatch } from './connection-watch.js'
import { freePort, ServerProcess, type ServerMode } from './server-process.js'
import type { SimProcess } from './sim-process.js'

export interface NodeSample {
  nodeId: string
  sessions: number
  /** Settled RSS; null where not sampled (after the failover). */
  rssBytes: number | null
}

export interface ClusterResult {
  nodes: number
  sessions: number
  leaseTtlMs: number
  heartbeatMs: number
  /** Whether the lease settings are the server's defaults or --lease-ttl-ms. */
  leaseSettings: 'default' | 'override'
  pollMs: number
  /** Every node spawned at once; times from the spawn. */
  startup: { healthyMs: number; allConnectedMs: number; evenMs: number; perNode: NodeSample[] }
  /** One node SIGKILLed; times from the kill. */
  failover: {
    victim: string
    victimSessions: number
    /** The survivors list the victim as dead (its heartbeat older than one lease). */
    deadMs: number
    /** The first of its sessions held by a survivor. */
    firstTakenMs: number
    /** Every one of its sessions held by a survivor, listed connected and logged in again at the simulator. */
    allConnectedMs: number
    /** The last of its sessions' logins at the simulator, by the simulator's clock. */
    lastLoginMs: number
    /** The last poll at which /api/sessions still listed one of its sessions connected with no socket at the simulator. */
    staleConnectedUntilMs: number | null
    /** Its sessions listed as waiting for a QR scan at any poll (should be none: the credentials move with them). */
    qrSessions: string[]
    /** The survivors evenly spread again (usually at once). */
    evenMs: number
    perNode: NodeSample[]
  }
  /** A new node joins; times from its spawn. */
  join: {
    nodeId: string
    healthyMs: number
    evenMs: number
    moved: number
    /** The longest a moved session had no socket at the simulator (handed over until logged in on the new node). */
    longestOutageMs: number
    perNode: NodeSample[]
  }
  /** The most logged-in sockets one session had at once at the simulator over the whole scenario. */
  mostSocketsAtOnce: number
  /** Sessions that had two sockets at once (should be none). */
  doubledSessions: string[]
  /** Polls whose /api/cluster or /api/sessions call failed, with the node's log line for a 5xx where found. */
  failedPolls: string[]
}

export interface ClusterContext {
  root: string
  mode: ServerMode
  sim: SimProcess
  workDir: string
  adminKey: string
  restoreConcurrency: number
  log(message: string): void
}

/** Starts nodes on one fresh schema, kills one, adds one; see ClusterResult for what is timed. */
export async function measureCluster(ctx: ClusterContext, options: ClusterOptions): Promise<ClusterResult> {
  const { ttlMs: leaseTtlMs, heartbeatMs, override } = options.lease
  const leaseEnv: Record<string, string> = override ? { CLUSTER_LEASE_TTL_MS: String(leaseTtlMs) } : {}
  const schema = await createSchema(options.databaseUrl)
  const nodes = new Map<string, ServerProcess>()
  try {
    ctx.log(`cluster: linking ${options.sessions} sessions into ${schema.url}`)
    const phones = await seedLinkedSessions(schema.url, ctx.sim, options.sessions)
    const watch = new ConnectionWatch(ctx.sim, phones.values())
    const simEnv = ctx.sim.serverEnv(ctx.workDir)
    const startNode = async (nodeId: string): Promise<ServerProcess> => {
      const node = await ServerProcess.start({
        root: ctx.root,
        mode: ctx.mode,
        port: await freePort(),
        dataDir: join(ctx.workDir, `cluster-${nodeId}`),
        adminKey: ctx.adminKey,
        simEnv,
        restoreConcurrency: ctx.restoreConcurrency,
        env: { DATABASE_URL: schema.url, NODE_ID: nodeId, ...leaseEnv },
      })
      nodes.set(nodeId, node)
      return node
    }
    const observer = new ClusterObserver(nodes, ctx.adminKey, watch, phones)

    // 1. Start-up: every node at once.
    const initial = Array.from({ length: options.nodes }, (_, i) => `node-${i + 1}`)
    ctx.log(`cluster: starting ${initial.length} nodes (lease TTL ${leaseTtlMs} ms, heartbeat ${heartbeatMs} ms)`)
    const spawnedAt = performance.now()
    const healthyMs = Math.max(...(await Promise.all(initial.map(startNode))).map((node) => node.startupMs))
    let allConnectedMs = 0
    const started = await observer.pollUntil('even spread', initial[0]!, spawnedAt, 60_000 + options.sessions * 200, (view) => {
      if (!allConnectedMs && observer.allConnected(view)) allConnectedMs = view.elapsedMs
      return observer.even(view, initial)
    })
    ctx.log(`cluster: all connected after ${(allConnectedMs / 1000).toFixed(1)} s, evenly spread after ${(started.elapsedMs / 1000).toFixed(1)} s; sampling memory`)
    const startup = { healthyMs, allConnectedMs, evenMs: started.elapsedMs, perNode: await observer.sample(started, true) }

    // 2. Failover: SIGKILL the last-started node holding sessions, watch from a survivor.
    const victim = [...started.nodes].reverse().find((node) => node.alive && node.sessions.length > 0)!
    const survivors = initial.filter((id) => id !== victim.nodeId)
    const via = survivors[0]!
    ctx.log(`cluster: SIGKILL ${victim.nodeId} (${victim.sessions.length} sessions)`)
    const killedWallMs = Date.now()
    const killedAt = performance.now()
    await nodes.get(victim.nodeId)!.stop('SIGKILL')
    let deadMs = 0
    let firstTakenMs = 0
    let staleConnectedUntilMs: number | null = null
    const qrSessions = new Set<string>()
    const takenBySurvivor = (view: Look, deviceId: string): boolean =>
      view.nodes.some((node) => node.alive && node.nodeId !== victim.nodeId && node.sessions.includes(deviceId))
    const failedOver = await observer.pollUntil('failover', via, killedAt, leaseTtlMs + 60_000 + options.sessions * 100, (view) => {
      if (!deadMs && view.nodes.some((node) => node.nodeId === victim.nodeId && !node.alive)) deadMs = view.elapsedMs
      if (!firstTakenMs && victim.sessions.some((id) => takenBySurvivor(view, id))) firstTakenMs = view.elapsedMs
      if (victim.sessions.some((id) => view.states.get(id) === 'connected' && !watch.loggedIn(phones.get(id)!))) staleConnectedUntilMs = view.elapsedMs
      for (const id of victim.sessions) if (view.states.get(id) === 'qr') qrSessions.add(id)
      return victim.sessions.every((id) => takenBySurvivor(view, id) && observer.connected(view, id, killedWallMs))
    })
    const lastLoginMs = Math.max(...victim.sessions.map((id) => watch.lastLoginAt(phones.get(id)!)! - killedWallMs))
    ctx.log(`cluster: failover done after ${(failedOver.elapsedMs / 1000).toFixed(1)} s`)
    const rebalanced = await observer.pollUntil('even spread over the survivors', via, killedAt, 60_000 + options.sessions * 200, (view) => observer.even(view, survivors))
    const failover = {
      victim: victim.nodeId,
      victimSessions: victim.sessions.length,
      deadMs,
      firstTakenMs,
      allConnectedMs: failedOver.elapsedMs,
      lastLoginMs,
      staleConnectedUntilMs,
      qrSessions: [...qrSessions],
      evenMs: rebalanced.elapsedMs,
      perNode: await observer.sample(rebalanced, false),
    }

    // 3. Join: a new node takes its share.
    const joiner = `node-${options.nodes + 1}`
    ctx.log(`cluster: starting ${joiner}`)
    const joinedWallMs = Date.now()
    const joinedAt = performance.now()
    const joined = await startNode(joiner)
    const balanced = await observer.pollUntil('even spread after the join', via, joinedAt, 60_000 + options.sessions * 200, (view) => observer.even(view, [...survivors, joiner]))
    ctx.log(`cluster: evenly spread again after ${(balanced.elapsedMs / 1000).toFixed(1)} s; sampling memory`)
    const joining = {
      nodeId: joiner,
      healthyMs: joined.startupMs,
      evenMs: balanced.elapsedMs,
      moved: balanced.nodes.find((node) => node.nodeId === joiner)!.sessions.length,
      longestOutageMs: watch.longestOutageMs(joinedWallMs),
      perNode: await observer.sample(balanced, true),
    }

    await watch.update()
    const byPhone = new Map([...phones].map(([deviceId, phone]) => [phone, deviceId]))
    return {
      nodes: options.nodes,
      sessions: options.sessions,
      leaseTtlMs,
      heartbeatMs,
      leaseSettings: override ? 'override' : 'default',
      pollMs: observer.pollMs,
      startup,
      failover,
      join: joining,
      mostSocketsAtOnce: watch.mostAtOnce(),
      doubledSessions: watch.doubled().map((phone) => byPhone.get(phone)!),
      failedPolls: observer.failedPolls,
    }
  } finally {
    await Promise.all([...nodes.values()].map((node) => node.stop()))
    await schema.drop()
  }
}
