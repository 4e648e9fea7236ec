import type { AuthWriteFence } from '../store/postgres/auth-state-repository.js'
import type { Lease } from './cluster-repository.js'

/**
 * The leases this node holds, with their epochs. The auth-state store reads it to fence writes;
 * the cluster node keeps it in step with the database.
 */
export class LeaseBook implements AuthWriteFence {
  private readonly epochs = new Map<string, number>()
  /** Leases being handed over: no longer held for new work, but the socket's last writes still pass the fence. */
  private readonly releasing = new Map<string, number>()
  private fencedListener: (deviceId: string) => void = () => undefined

  constructor(readonly nodeId: string) {}

  epochOf(deviceId: string): number | undefined {
    return this.epochs.get(deviceId) ?? this.releasing.get(deviceId)
  }

  holds(deviceId: string): boolean {
    return this.epochs.has(deviceId)
  }

  add(lease: Lease): void {
    this.epochs.set(lease.deviceId, lease.epoch)
  }

  remove(deviceId: string): Lease | undefined {
    const epoch = this.epochOf(deviceId)
    if (epoch === undefined) return undefined
    this.epochs.delete(deviceId)
    this.releasing.delete(deviceId)
    return { deviceId, epoch }
  }

  /** Starts handing a lease over: holds() turns false at once, so nothing starts the session here again. */
  beginRelease(deviceId: string): void {
    const epoch = this.epochs.get(deviceId)
    if (epoch === undefined) return
    this.epochs.delete(deviceId)
    this.releasing.set(deviceId, epoch)
  }

  leases(): Lease[] {
    return [...this.epochs].map(([deviceId, epoch]) => ({ deviceId, epoch }))
  }

  get size(): number {
    return this.epochs.size
  }

  onFenced(deviceId: string): void {
    this.fencedListener(deviceId)
  }

  /** Who hears that a write was refused because the lease moved. */
  whenFenced(listener: (deviceId: string) => void): void {
    this.fencedListener = listener
  }
}
