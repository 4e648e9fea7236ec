import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, type DomainErrorKind } from '../errors.js'
import { describeStorageFailure } from '../store/storage-failure.js'

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  timeout: 504,
  unavailable: 503,
  insufficient_storage: 507,
  upstream_failed: 502,
  rate_limited: 429,
}

interface ValidationIssue {
  instancePath: string
  message?: string
  params?: Record<string, unknown>
  parentSchema?: { errorMessage?: string }
}

/** One readable sentence per validation problem, naming the field. */
function describeValidation(context: string | undefined, issues: readonly ValidationIssue[]): string {
  const first = issues[0]
  if (!first) return 'Invalid request'
  const field = [context, ...first.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.')
  if (first.parentSchema?.errorMessage) return `Invalid ${context ?? 'request'}: ${first.parentSchema.errorMessage}`
  if (first.params?.missingProperty) return `Invalid ${context ?? 'request'}: ${String(first.params.missingProperty)} is required`
  return `Invalid ${field || 'request'}: ${first.message ?? 'invalid value'}`
}

function sendDomainError(reply: FastifyReply, error: DomainError): FastifyReply {
  const { retryAfterSeconds, ...details } = error.details
  if (typeof retryAfterSeconds === 'number') void reply.header('retry-after', String(retryAfterSeconds))
  return reply.status(STATUS_BY_KIND[error.kind]).send({ ...details, success: false, error: error.message })
}

/** Every error leaves as { success: false, error } with the right status; 5xx details stay in the log. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) return sendDomainError(reply, error)
    const storageFailure = describeStorageFailure(error)
    if (storageFailure) {
      request.log.warn({ err: error }, 'the database failed a request')
      return sendDomainError(reply, storageFailure)
    }
    if (error.validation) {
      return reply.status(400).send({
        success: false,
        error: describeValidation(error.validationContext, error.validation as ValidationIssue[]),
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      if (status === 429 && error.message) return reply.status(429).send({ success: false, error: error.message })
      return reply.status(status).send({ success: false, error: clientErrorMessage(error) })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.status(500).send({ success: false, error: 'Internal server error', requestId: request.id })
  })

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ success: false, error: `Route ${request.method} ${request.url.split('?')[0]} not found` }),
  )
}

function clientErrorMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type; send application/json'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Request body is empty; send a JSON object'
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'Request body is not valid JSON'
    default:
      return error instanceof SyntaxError ? 'Request body is not valid JSON' : error.message
  }
}

/** Errors Fastify's router raises before any route or handler runs (bad URL encoding, overlong path). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400
  const message = status === 414 ? 'A path parameter is too long' : 'Malformed URL'
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ success: false, error: message })
}
