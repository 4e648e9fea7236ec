import type { FastifyReply, FastifyRequest } from 'fastify'
import { request as httpRequest } from 'undici'
import { DomainError } from '../errors.js'
import type { SessionRouting } from '../http/session-routing.js'
import type { ClusterNode } from './cluster-node.js'

/** Marks a request one node forwarded to another; it is never forwarded again. */
export const FORWARDED_HEADER = 'x-wa-forwarded-by'

/** The caller's own headers that the owner needs to authenticate and understand the request. */
const PASSED_HEADERS = ['authorization', 'x-api-key', 'cookie', 'x-csrf-token', 'idempotency-key', 'accept', 'x-request-id'] as const
/** What comes back to the caller. */
const RETURNED_HEADERS = ['content-type', 'content-disposition', 'retry-after', 'x-content-type-options'] as const

/**
 * Forwards a request to the node running its session, with the caller's credentials: that node
 * authenticates it again and answers, and the answer is streamed back as it is.
 */
export class RequestForwarder implements SessionRouting {
  constructor(
    private readonly node: ClusterNode,
    private readonly timeoutMs: number,
  ) {}

  async forward(request: FastifyRequest, reply: FastifyReply, deviceId: string): Promise<boolean> {
    if (request.headers[FORWARDED_HEADER] !== undefined) return false
    const owner = await this.node.ownerUrl(deviceId)
    if (!owner) return false
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.node.nodeId, 'x-forwarded-for': request.ip }
    for (const name of PASSED_HEADERS) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const body = request.body === undefined ? undefined : JSON.stringify(request.body)
    if (body !== undefined) headers['content-type'] = 'application/json'
    let answer
    try {
      answer = await httpRequest(new URL(request.url, owner.url), {
        method: request.method as 'GET',
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      })
    } catch (error) {
      throw new DomainError('unavailable', `Session "${deviceId}" runs on node ${owner.nodeId}, which did not answer: ${(error as Error).message}`)
    }
    void reply.status(answer.statusCode)
    for (const name of RETURNED_HEADERS) {
      const value = answer.headers[name]
      if (typeof value === 'string') void reply.header(name, value)
    }
    void reply.header('x-wa-node', owner.nodeId)
    await reply.send(answer.body)
    return true
  }
}
