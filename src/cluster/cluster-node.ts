import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import { LatestReads } from '../latest-reads.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { SessionPlacement } from '../sessions/session-placement.js'
import type { ConnectionState, RuntimeSnapshot } from '../sessions/session-runtime.js'
import { within } from '../time.js'
import type { ClusterRepository, Lease, NodeRow } from './cluster-repository.js'
import type { LeaseBook } from './lease-book.js'

/** What the node does to the sessions it gains or loses; wired to the session manager and outbox. */
export interface SessionHooks {
  /** A lease was just taken: messages the last holder left mid-send go back in the queue. */
  acquired(deviceId: string): Promise<void>
  /** Run the session here (connect it if it is meant to run). */
  adopt(deviceId: string): Promise<void>
  /** Stop running it here; resolves once its socket's writes have landed. */
  release(deviceId: string): Promise<void>
  /** Every heartbeat: catches up on what a lost notice would have said (messages queued elsewhere). */
  heartbeat(): Promise<void>
}

export interface ClusterNodeOptions {
  nodeId: string
  leaseTtlMs: number
  heartbeatMs: number
  repository: ClusterRepository
  leases: LeaseBook
  logger: Logger
  /** Told when leases were given up, so other nodes take them at once. */
  announceRelease: () => void
  /** Told when a session's published state changed. */
  announceState: (deviceId: string) => void
}

/**
 * Free sessions a node takes per balancing round, so a failover comes in waves and a round stays
 * short (its renewal on time). A round that took this many runs again at once, not a heartbeat
 * later: at 100 per 3 s heartbeat, a dead node's share of 10,000 took 70 s to move. The connect
 * gate paces the handshakes either way.
 */
const MAX_TAKES_PER_TICK = 250
/**
 * Sessions a node hands over per wave. The next wave waits until the last one has been through a
 * connect on the other nodes (or HAND_OVER_WAIT_MS passed): handed over faster than a joining node
 * connects them, sessions waited offline in its queue, up to 55 s with 10,000 sessions.
 */
const MAX_HAND_OVERS_PER_WAVE = 100
const HAND_OVER_WAIT_MS = 30_000
/** Dead nodes stay listed (as dead) this long. */
const FORGET_NODES_AFTER_MS = 3_600_000

/** States a silent node's sessions can no longer be in. */
const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(['connected', 'connecting', 'reconnecting', 'qr'])

export interface NodeView extends NodeRow {
  alive: boolean
  self: boolean
  sessions: string[]
}

/**
 * One node of a cluster sharing a PostgreSQL database. Every heartbeat it reports itself alive,
 * renews its leases (a lease it did not get back is lost: its socket is stopped at once) and
 * balances: it gives up sessions above its fair share and takes free ones below it. A node that cannot renew in time stops all its sockets before its leases
 * can expire, so another node never runs a session while this one still does.
 */
export class ClusterNode implements SessionPlacement {
  private hooks: SessionHooks | undefined
  /** Each session's last published state, and the node that published it. */
  private readonly published = new Map<string, { snapshot: RuntimeSnapshot; nodeId: string }>()
  /** Reads of published states may finish out of order: each session's entry comes from the latest. */
  private readonly publishedReads = new LatestReads()
  /**
   * Nodes silent for so long that they have stopped their sockets if they are alive at all (they
   * self-fence one heartbeat before their leases run out): their sessions are shown as reconnecting.
   */
  private silentNodes = new Set<string>()
  private readonly publishing = new KeyedLock()
  private readonly startedAt = Date.now()
  private lastRenewal = performance.now()
  private joinedAt = 0
  private tickTimer: NodeJS.Timeout | undefined
  private watchdog: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private tickSoon = false
  /** The sessions this node handed over last, and when (see MAX_HAND_OVERS_PER_WAVE). */
  private lastWave: { deviceIds: string[]; at: number } | undefined
  /** Hand-overs and takes a heartbeat stopped waiting for (see waitBriefly), still under way. */
  private readonly stillGoing = new Set<Promise<void>>()
  private stopped = false
  private url = ''

  constructor(private readonly options: ClusterNodeOptions) {
    options.leases.whenFenced((deviceId) => {
      this.options.logger.warn({ deviceId }, 'a write was fenced off: the session runs on another node now')
      this.drop(deviceId)
    })
  }

  get nodeId(): string {
    return this.options.nodeId
  }

  /** Joins the cluster under the URL other nodes forward requests to: registers, then balances every heartbeat. */
  async start(hooks: SessionHooks, url: string): Promise<void> {
    this.hooks = hooks
    this.url = url
    await this.options.repository.heartbeat(this.options.nodeId, url, this.startedAt)
    this.lastRenewal = performance.now()
    this.joinedAt = performance.now()
    await this.loadPublished()
    this.watchdog = setInterval(() => this.checkLeaseDeadline(), Math.max(100, Math.round(this.options.heartbeatMs / 2)))
    this.watchdog.unref()
    this.scheduleTick(0)
  }

  /** Leaves the cluster: stops balancing, closes its sessions and frees their leases for the others. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.tickTimer) clearTimeout(this.tickTimer)
    if (this.watchdog) clearInterval(this.watchdog)
    await this.ticking
    await Promise.all(this.stillGoing)
    const held = this.options.leases.leases()
    await Promise.all(held.map((lease) => this.handOver(lease)))
    await this.options.repository.leave(this.options.nodeId).catch(() => undefined)
    if (held.length > 0) this.options.announceRelease()
  }

  /**
   * Balances soon: another node gave sessions up. It did so because it already sees this node, so
   * a node that just joined need not wait out its first heartbeat.
   */
  nudge(): void {
    if (this.stopped) return
    this.joinedAt = Number.NEGATIVE_INFINITY
    if (this.ticking) {
      this.tickSoon = true
      return
    }
    this.scheduleTick(0)
  }

  holds(deviceId: string): boolean {
    return this.options.leases.holds(deviceId)
  }

  async claim(deviceId: string): Promise<boolean> {
    if (this.holds(deviceId)) return true
    const [lease] = await this.options.repository.acquireFree(this.options.nodeId, this.options.leaseTtlMs, 1, deviceId)
    if (!lease) return false
    this.options.leases.add(lease)
    await this.hooks?.acquired(deviceId)
    return true
  }

  /** Hands a session this node runs over to the others now (it was stopped or deleted elsewhere). */
  async surrender(deviceId: string): Promise<void> {
    const epoch = this.options.leases.epochOf(deviceId)
    if (epoch !== undefined && this.holds(deviceId)) await this.handOver({ deviceId, epoch })
  }

  async relinquish(deviceId: string): Promise<void> {
    if (!this.holds(deviceId)) return
    await this.publishedSoFar(deviceId)
    const lease = this.options.leases.remove(deviceId)
    if (lease) await this.options.repository.release(this.options.nodeId, lease)
  }

  publish(deviceId: string, snapshot: RuntimeSnapshot): void {
    this.published.set(deviceId, { snapshot, nodeId: this.options.nodeId })
    // While being handed over too: the last state (disconnected) must reach the others.
    if (this.options.leases.epochOf(deviceId) === undefined) return
    const body = JSON.stringify(snapshot)
    this.publishing
      .run(deviceId, async () => {
        await this.options.repository.saveRuntime(deviceId, this.options.nodeId, body)
        this.options.announceState(deviceId)
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, deviceId }, 'could not publish a session state'))
  }

  /** Resolves once the states published so far for the session are written (before its lease goes). */
  private publishedSoFar(deviceId: string): Promise<void> {
    return this.publishing.run(deviceId, () => undefined)
  }

  publishedSnapshot(deviceId: string): RuntimeSnapshot | undefined {
    const entry = this.published.get(deviceId)
    if (!entry || !this.silentNodes.has(entry.nodeId) || !LIVE_STATES.has(entry.snapshot.state)) return entry?.snapshot
    // Its node died or is cut off: the session is down until another node takes it over.
    return { ...entry.snapshot, state: 'reconnecting', qr: null, lastError: `Node ${entry.nodeId} is not answering; the session moves to another node` }
  }

  /** Re-reads one session's published state (another node announced a change), or all of them. */
  async loadPublished(deviceId?: string): Promise<void> {
    await this.publishedReads.run(() => this.options.repository.runtimes(deviceId), (rows, isLatest) => {
      for (const row of rows) {
        // Sessions run here are described from their runtime; an older row must not overwrite that.
        if (this.holds(row.deviceId) || !isLatest(row.deviceId)) continue
        this.published.set(row.deviceId, { snapshot: JSON.parse(row.snapshot) as RuntimeSnapshot, nodeId: row.nodeId })
      }
      if (deviceId !== undefined && rows.length === 0 && isLatest(deviceId)) this.published.delete(deviceId)
    })
  }

  /** Every node with its health and the sessions it holds. */
  async describe(): Promise<NodeView[]> {
    const [nodes, owners] = await Promise.all([this.options.repository.nodes(), this.options.repository.owners()])
    const byNode = new Map<string, string[]>()
    for (const [deviceId, nodeId] of owners) byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), deviceId])
    return nodes.map((node) => ({
      ...node,
      alive: node.silentForMs < this.options.leaseTtlMs,
      self: node.nodeId === this.options.nodeId,
      sessions: (byNode.get(node.nodeId) ?? []).sort(),
    }))
  }

  /** The advertised URL of the node holding the session, unless that is this node or nobody. */
  async ownerUrl(deviceId: string): Promise<{ nodeId: string; url: string } | undefined> {
    if (this.holds(deviceId)) return undefined
    const owner = await this.options.repository.ownerOf(deviceId)
    return owner?.nodeId === this.options.nodeId ? undefined : owner
  }

  private scheduleTick(delayMs: number): void {
    if (this.stopped) return
    if (this.tickTimer) clearTimeout(this.tickTimer)
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined
      this.ticking = this.tick()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'cluster heartbeat failed'))
        .finally(() => {
          this.ticking = undefined
          const soon = this.tickSoon
          this.tickSoon = false
          this.scheduleTick(soon ? 0 : this.options.heartbeatMs)
        })
    }, delayMs)
  }

  private async tick(): Promise<void> {
    const { repository, nodeId, leaseTtlMs } = this.options
    const { url } = this
    const sentAt = performance.now()
    await repository.heartbeat(nodeId, url, this.startedAt)
    const sent = this.options.leases.leases()
    const renewed = await repository.renew(nodeId, leaseTtlMs, sent)
    this.lastRenewal = sentAt
    const still = new Set(renewed.map((lease) => lease.deviceId))
    for (const lease of sent) {
      // A lease taken again or given up while the renewal was under way is not this renewal's to judge.
      if (this.options.leases.epochOf(lease.deviceId) !== lease.epoch || !this.holds(lease.deviceId)) continue
      if (!still.has(lease.deviceId)) {
        this.options.logger.warn({ deviceId: lease.deviceId }, 'lost the lease on a session; stopping it here')
        this.drop(lease.deviceId)
      }
    }
    if (this.stopped) return
    await this.balance()
    await this.hooks?.heartbeat()
    const freed = await repository.releaseClaimsOfSilentNodes(leaseTtlMs)
    if (freed > 0) this.options.logger.info({ deliveries: freed }, 'took back webhook deliveries a dead node had claimed')
    await repository.pruneEvents(5 * 60_000)
    await repository.forgetSilentNodes(FORGET_NODES_AFTER_MS)
  }

  /**
   * No node above ceil(running / live nodes); and while some node is below the floor, nodes at the
   * ceiling give one up each, so a node that joined last is not left short for good.
   */
  private async balance(): Promise<void> {
    const { repository, nodeId, leaseTtlMs, heartbeatMs, leases } = this.options
    const [running, nodes, owners] = await Promise.all([repository.runningSessions(), repository.nodes(), repository.owners()])
    this.silentNodes = new Set(nodes.filter((node) => node.silentForMs > leaseTtlMs - heartbeatMs).map((node) => node.nodeId))
    this.silentNodes.delete(nodeId)
    const live = nodes.filter((node) => node.silentForMs < leaseTtlMs).map((node) => node.nodeId)
    if (!live.includes(nodeId)) live.push(nodeId)
    const floor = Math.floor(running / live.length)
    const ceiling = Math.ceil(running / live.length)
    const heldBy = new Map<string, number>(live.map((id) => [id, 0]))
    for (const owner of owners.values()) if (heldBy.has(owner)) heldBy.set(owner, heldBy.get(owner)! + 1)
    const someoneShort = Math.min(...heldBy.values()) < floor
    const surplus = leases.size > ceiling ? leases.size - ceiling : leases.size === ceiling && ceiling > floor && someoneShort ? 1 : 0
    if (surplus > 0) {
      if (!this.lastWaveConnected()) return
      const given = this.handOverOrder().slice(0, Math.min(surplus, MAX_HAND_OVERS_PER_WAVE))
      this.options.logger.info({ count: given.length, floor, ceiling }, 'handing sessions over to other nodes')
      this.lastWave = { deviceIds: given.map((lease) => lease.deviceId), at: performance.now() }
      await this.waitBriefly(
        Promise.all(given.map((lease) => this.handOver(lease))).then(() => this.options.announceRelease()),
        'could not hand sessions over',
      )
      return
    }
    // A node that just joined waits one heartbeat, so nodes starting together see each other first.
    if (leases.size < ceiling && performance.now() - this.joinedAt >= heartbeatMs) {
      const taken = await repository.acquireFree(nodeId, leaseTtlMs, Math.min(ceiling - leases.size, MAX_TAKES_PER_TICK))
      if (taken.length > 0) this.options.logger.info({ count: taken.length, floor, ceiling }, 'taking sessions over')
      await this.waitBriefly(Promise.all(taken.map((lease) => this.take(lease))).then(() => undefined), 'could not start sessions taken over')
      if (taken.length === MAX_TAKES_PER_TICK) this.tickSoon = true
    }
  }

  /**
   * Waits for a balancing round's hand-overs or takes at most half a heartbeat, then lets them go
   * on by themselves: one waiting behind a slow session (its lock held by a long send, its writes
   * by a slow database) must not hold up the next renewal, or the node would fence itself and stop
   * every session it runs. The next renewal then comes about a heartbeat and a half after the last,
   * before the deadline (the lease less a heartbeat, at least two heartbeats).
   */
  private async waitBriefly(work: Promise<void>, failure: string): Promise<void> {
    const going = work.catch((error: unknown) => this.options.logger.warn({ err: error }, failure))
    this.stillGoing.add(going)
    void going.finally(() => this.stillGoing.delete(going))
    // `going` never rejects: what `within` rejects with is the half heartbeat running out.
    await within(going, this.options.heartbeatMs / 2, 'a balancing round').catch(() => undefined)
  }

  /**
   * Whether the sessions of the last hand-over wave have had their first attempt on another node
   * (or their time): one reconnecting there (a flaky account) does not hold the next wave.
   */
  private lastWaveConnected(): boolean {
    const wave = this.lastWave
    if (!wave || performance.now() - wave.at > HAND_OVER_WAIT_MS) return true
    return wave.deviceIds.every((deviceId) => {
      const entry = this.published.get(deviceId)
      return entry === undefined || (entry.nodeId !== this.options.nodeId && entry.snapshot.state !== 'connecting')
    })
  }

  /** Connected sessions move first: one showing a QR would lose the code its user may be scanning. */
  private handOverOrder(): Lease[] {
    const connected = (lease: Lease): number => (this.published.get(lease.deviceId)?.snapshot.state === 'connected' ? 0 : 1)
    return this.options.leases.leases().reverse().sort((a, b) => connected(a) - connected(b))
  }

  private async take(lease: Lease): Promise<void> {
    this.options.leases.add(lease)
    // A failure to requeue must not leave a lease held with its session never started.
    await this.hooks?.acquired(lease.deviceId).catch((error: unknown) =>
      this.options.logger.error({ err: error, deviceId: lease.deviceId }, 'could not requeue the messages of a session taken over'))
    await this.hooks?.adopt(lease.deviceId)
  }

  /** Orderly hand-over: stop the socket, let its writes land, then free the lease. */
  private async handOver(lease: Lease): Promise<void> {
    this.options.leases.beginRelease(lease.deviceId)
    await this.hooks?.release(lease.deviceId)
    await this.publishedSoFar(lease.deviceId)
    this.options.leases.remove(lease.deviceId)
    await this.options.repository.release(this.options.nodeId, lease).catch((error: unknown) =>
      this.options.logger.warn({ err: error, deviceId: lease.deviceId }, 'could not free a lease; it will expire instead'))
  }

  /** Stops running a session whose lease is gone (no database write: it is not ours to free). */
  private drop(deviceId: string): void {
    this.options.leases.remove(deviceId)
    this.hooks?.release(deviceId).catch((error: unknown) => this.options.logger.error({ err: error, deviceId }, 'could not stop a session'))
  }

  /**
   * Self-fencing: the database counts a lease from when the renewal reached it, which is after
   * this node sent it. Stopping one heartbeat before ttl after sending is therefore always before
   * any other node can take the lease, whatever the database's clock says.
   */
  private checkLeaseDeadline(): void {
    if (this.options.leases.size === 0) return
    const deadline = this.options.leaseTtlMs - this.options.heartbeatMs
    if (performance.now() - this.lastRenewal < deadline) return
    this.options.logger.error({ sessions: this.options.leases.size }, 'could not renew leases in time; stopping every session here')
    for (const lease of this.options.leases.leases()) this.drop(lease.deviceId)
  }
}
