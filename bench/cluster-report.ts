import type { ClusterResult, NodeSample } from './cluster.js'
import { fixed, goalsSection, heading, mb, table, writeReportFiles } from './markdown.js'
import type { Goal } from './report.js'
import { SEEDED_PRE_KEYS } from './seed.js'

/** What --only-cluster writes (cluster-report.json and .md): the cluster scenario alone. */
export interface ClusterReport {
  startedAt: string
  environment: Record<string, string | number | boolean>
  cluster: ClusterResult
  goals: Goal[]
}

const FAILED_POLL_EXAMPLES = 3

const seconds = (ms: number): string => fixed(ms / 1000, 2)

function spread(perNode: NodeSample[]): string {
  const counts = perNode.map((node) => node.sessions)
  return `${Math.min(...counts)}-${Math.max(...counts)}`
}

export function clusterSection(cluster: ClusterResult | null): string {
  if (!cluster) return '## Cluster\n\nNot run (`--cluster`).'
  const { startup, failover, join } = cluster
  const phases = table(
    ['Phase', 'Until', 's', 'Sessions per live node (min-max)'],
    [
      [`Start-up: ${cluster.nodes} nodes spawned at once`, 'all healthy', seconds(startup.healthyMs), ''],
      ['', 'all connected', seconds(startup.allConnectedMs), ''],
      ['', 'evenly spread', seconds(startup.evenMs), spread(startup.perNode)],
      [`Failover: SIGKILL ${failover.victim} (${failover.victimSessions} sessions)`, `${failover.victim} listed dead`, seconds(failover.deadMs), ''],
      ['', 'first of its sessions taken over', seconds(failover.firstTakenMs), ''],
      ['', `its last re-login at the simulator`, seconds(failover.lastLoginMs), ''],
      ['', '**all of them connected on the survivors**', `**${seconds(failover.allConnectedMs)}**`, ''],
      ['', 'evenly spread over the survivors', seconds(failover.evenMs), spread(failover.perNode)],
      [`Join: ${join.nodeId} spawned`, 'healthy', seconds(join.healthyMs), ''],
      ['', `evenly spread (${join.moved} sessions moved to it)`, seconds(join.evenMs), spread(join.perNode)],
      ['', 'longest a moved session was offline (at the simulator)', seconds(join.longestOutageMs), ''],
    ],
  )
  const ids = [...new Set([...startup.perNode, ...join.perNode].map((node) => node.nodeId))].sort()
  const cell = (perNode: NodeSample[], id: string, value: (node: NodeSample) => string): string => {
    const node = perNode.find((n) => n.nodeId === id)
    return node ? value(node) : '-'
  }
  const perNode = table(
    ['Node', 'Sessions after start-up', 'RSS MB after start-up', 'Sessions after failover', 'Sessions after join', 'RSS MB after join'],
    ids.map((id) => [
      id,
      cell(startup.perNode, id, (n) => String(n.sessions)),
      cell(startup.perNode, id, (n) => (n.rssBytes === null ? 'n/a' : mb(n.rssBytes))),
      cell(failover.perNode, id, (n) => String(n.sessions)),
      cell(join.perNode, id, (n) => String(n.sessions)),
      cell(join.perNode, id, (n) => (n.rssBytes === null ? 'n/a' : mb(n.rssBytes))),
    ]),
  )
  const stale = failover.staleConnectedUntilMs === null
    ? 'never listed a session of the killed node as connected while it had no socket at the simulator'
    : `still listed sessions of the killed node as connected, with no socket at the simulator, ${seconds(failover.staleConnectedUntilMs)} s after the kill`
  const doubled = cluster.doubledSessions.length
    ? `**${cluster.doubledSessions.length} sessions had two logged-in sockets at once**: ${cluster.doubledSessions.join(', ')}`
    : `no session ever had two logged-in sockets at once (at most ${cluster.mostSocketsAtOnce})`
  const failed = cluster.failedPolls.length
    ? `\n\n**${cluster.failedPolls.length} polls failed**, e.g.:\n\n${[...new Set(cluster.failedPolls)].slice(0, FAILED_POLL_EXAMPLES).map((message) => `- ${message.replaceAll('|', '\\|')}`).join('\n')}`
    : ''
  return `## Cluster (${cluster.nodes} nodes on one PostgreSQL database, ${cluster.sessions} linked sessions)

Lease TTL ${cluster.leaseTtlMs} ms, heartbeat ${cluster.heartbeatMs} ms (${cluster.leaseSettings === 'default' ? 'server defaults' : '--lease-ttl-ms'}). Start-up and join times from the spawn, failover times from the SIGKILL; polled every ${cluster.pollMs} ms (GET /api/cluster and /api/sessions on a surviving node), so to within one poll. Connected: listed connected and logged in at the simulator. Each device was seeded with its creds and ${SEEDED_PRE_KEYS} uploaded pre-keys, as one paired in the past, so no login uploads more. Evenly spread: every session held by a live node, each within one of sessions / live nodes, all connected.

${phases}

${perNode}

At the simulator, ${doubled}. /api/sessions ${stale}.${failed}`
}

export function renderClusterReport(report: ClusterReport): string {
  return `${[heading(report.startedAt, report.environment), goalsSection(report.goals), clusterSection(report.cluster)].join('\n\n')}\n`
}

export function writeClusterReport(outDir: string, report: ClusterReport): { json: string; markdown: string } {
  return writeReportFiles(outDir, 'cluster-report', report, renderClusterReport(report))
}
