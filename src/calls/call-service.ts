import { DomainError, askWhatsApp } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'

/** Incoming calls: they are announced as call.received; an application rejects the ones it will not take. */
export class CallService {
  constructor(private readonly manager: SessionManager) {}

  async reject(deviceId: string, callId: string): Promise<void> {
    const calls = this.manager.requireConnection(deviceId).calls
    if (!(await askWhatsApp(calls.reject(callId)))) {
      throw new DomainError('not_found', `No call "${callId}" is ringing on session "${deviceId}" (it ended, or was answered or rejected elsewhere)`)
    }
  }
}
