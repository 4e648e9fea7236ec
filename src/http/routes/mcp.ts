import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { CallApi } from '../../mcp/api-tools.js'
import { type Authenticator, presentedKey, rateLimitKey } from '../auth.js'
import { API_VERSION } from '../openapi.js'

export interface McpRoutesDeps {
  auth: Authenticator
}

/** REST requests made on behalf of an MCP caller: its key, its address (for throttling), its request id. */
function callerApi(app: FastifyInstance, request: FastifyRequest): CallApi {
  const key = presentedKey(request)!.value
  return async ({ method, url, body }) => {
    const response = await app.inject({
      method,
      url,
      remoteAddress: request.ip,
      headers: {
        authorization: `Bearer ${key}`,
        'x-request-id': request.id,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    })
    let parsed: unknown
    try {
      parsed = response.json()
    } catch {
      parsed = { error: response.body.slice(0, 500) }
    }
    return { status: response.statusCode, body: parsed }
  }
}

/**
 * The MCP endpoint (Streamable HTTP, stateless: every POST stands alone, answered as JSON). The
 * caller's key decides what the tools reach. The MCP SDK, zod and the tools load on the first
 * request, not at start-up.
 */
export const mcpRoutes: FastifyPluginAsync<McpRoutesDeps> = async (app, { auth }) => {
  // Limited per key in a bucket of its own: the REST requests its tools make count in the key's
  // usual bucket, once, as if the agent had made them itself.
  const rateLimit = { keyGenerator: (request: FastifyRequest) => `mcp:${rateLimitKey(request)}` }
  app.post('/mcp', { schema: { hide: true }, config: { rateLimit } }, async (request, reply) => {
    const holder = await auth.identify(request)
    const [{ McpServer }, { StreamableHTTPServerTransport }, { registerApiTools }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/mcp.js'),
      import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      import('../../mcp/api-tools.js'),
    ])
    const server = new McpServer({ name: 'whatsapp-multi-session-api', version: API_VERSION })
    registerApiTools(server, holder, callerApi(app, request))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    // The transport writes the answer itself; headers set so far (request id, CORS) go with it.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value)
    reply.raw.setHeader('x-request-id', request.id)
    reply.hijack()
    try {
      await server.connect(transport)
      await transport.handleRequest(request.raw, reply.raw, request.body)
    } catch (error) {
      request.log.error({ err: error }, 'MCP request failed')
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' })
      if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }))
    } finally {
      // Stateless: the answer is written (JSON mode), so this request's server and transport are done.
      await server.close().catch((error: unknown) => request.log.warn({ err: error }, 'closing an MCP request\'s server failed'))
    }
  })

  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE).
  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await reply.status(405).header('allow', 'POST').send({ success: false, error: 'This MCP endpoint is stateless: POST only' })
  }
  app.get('/mcp', { schema: { hide: true } }, notAllowed)
  app.delete('/mcp', { schema: { hide: true } }, notAllowed)
}
