import { maskApiKey } from '../security/api-keys.js'
import type { SessionInfo } from '../sessions/session-manager.js'

/** The JSON form of a session: the seed's fields plus additions; never the key itself. */
export function sessionView(info: SessionInfo) {
  return {
    deviceId: info.deviceId,
    connectionState: info.connectionState,
    hasApiKey: info.hasApiKey,
    apiKeyMasked: info.apiKeyPrefix === null ? null : maskApiKey(info.apiKeyPrefix),
    phoneNumber: info.phoneNumber,
    pushName: info.pushName,
    isActive: info.isActive,
    lastError: info.lastError,
    sendRatePerMinute: info.settings.sendRatePerMinute,
    rejectCalls: info.settings.rejectCalls,
    rejectCallMessage: info.settings.rejectCallMessage,
    settings: info.settings,
    createdAt: new Date(info.createdAt).toISOString(),
  }
}
