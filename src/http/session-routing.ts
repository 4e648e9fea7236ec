import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Requests that need a session's live socket (start, stop, pairing, number checks, media) are
 * answered by the node running it. A single node runs everything, so nothing is forwarded.
 */
export interface SessionRouting {
  /** Answers the request through the node running the session when that is another node; true when it did. */
  forward(request: FastifyRequest, reply: FastifyReply, deviceId: string): Promise<boolean>
}

export const LOCAL_ROUTING: SessionRouting = { forward: async () => false }

/** A route hook that hands the request to the session's node, after the route's own authentication. */
export function toSessionNode(routing: SessionRouting) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const { deviceId } = request.params as { deviceId: string }
    return (await routing.forward(request, reply, deviceId)) ? reply : undefined
  }
}
