import type { RuntimeSnapshot } from './session-runtime.js'

/**
 * Where sessions run. A single node runs them all. In a cluster each session runs on the node
 * holding its lease; the other nodes describe it from the state that node published.
 */
export interface SessionPlacement {
  /** Whether this process runs the session (holds its lease). */
  holds(deviceId: string): boolean
  /** Takes the session for this process unless another node runs it; true when this process may run it. */
  claim(deviceId: string): Promise<boolean>
  /** This process no longer runs the session (stopped, logged out or deleted through the API). */
  relinquish(deviceId: string): Promise<void>
  /** A session run here changed state. */
  publish(deviceId: string, snapshot: RuntimeSnapshot): void
  /** The last state published for a session this process does not run. */
  publishedSnapshot(deviceId: string): RuntimeSnapshot | undefined
}

/** One process runs every session; nothing is shared. */
export const SINGLE_NODE: SessionPlacement = {
  holds: () => true,
  claim: async () => true,
  relinquish: async () => undefined,
  publish: () => undefined,
  publishedSnapshot: () => undefined,
}
