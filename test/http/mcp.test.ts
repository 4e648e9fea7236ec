import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { startInProcessServer } from '../support/in-process-server.js'

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const rpc = (method: string, params: Record<string, unknown> = {}, id: number | string = 1) => ({ jsonrpc: '2.0', id, method, params })

describe('MCP endpoint input handling (in-process): every malformed request is a 4xx or a JSON-RPC error, never a 500', async () => {
  const { server, adminHeaders } = await startInProcessServer()
  const { app } = server
  await server.resume()
  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, ...adminHeaders, ...headers }, payload })

  it('answers tool calls without a prior initialize (stateless), as JSON', async () => {
    const listed = await post(JSON.stringify(rpc('tools/list')))
    assert.equal(listed.statusCode, 200, listed.body)
    assert.match(String(listed.headers['content-type']), /application\/json/)
    assert.ok(listed.headers['x-request-id'])
    assert.equal((listed.json() as { result: { tools: unknown[] } }).result.tools.length, 8)
  })

  it('refuses malformed requests with a clear 4xx', async () => {
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['not JSON', '{"jsonrpc":', {}, 400],
      ['not JSON at all', 'hello', { 'content-type': 'text/plain' }, 415],
      ['a JSON string', '"tools/list"', {}, 400],
      ['an empty object', '{}', {}, 400],
      ['null', 'null', {}, 400],
      ['no jsonrpc version', JSON.stringify({ id: 1, method: 'tools/list' }), {}, 400],
      ['an Accept without event streams', JSON.stringify(rpc('tools/list')), { accept: 'application/json' }, 406],
    ]
    for (const [what, payload, headers, status] of cases) {
      const answer = await post(payload, headers)
      assert.equal(answer.statusCode, status, `${what}: ${answer.body}`)
      assert.doesNotThrow(() => answer.json(), `${what}: the answer is JSON`)
    }
    const anonymous = await app.inject({ method: 'POST', url: '/mcp', headers: MCP_HEADERS, payload: JSON.stringify(rpc('tools/list')) })
    assert.equal(anonymous.statusCode, 401)
    assert.equal(anonymous.json().error, 'Missing API key: send Authorization: Bearer <key> or X-Api-Key')
  })

  it('answers unknown methods, unknown tools and wrong arguments as JSON-RPC errors or tool errors', async () => {
    const unknownMethod = (await post(JSON.stringify(rpc('sessions/delete')))).json() as { error: { code: number } }
    assert.equal(unknownMethod.error.code, -32601)
    const unknownTool = (await post(JSON.stringify(rpc('tools/call', { name: 'delete_everything', arguments: {} })))).json() as { result?: { isError: boolean }; error?: unknown }
    assert.ok(unknownTool.error !== undefined || unknownTool.result?.isError === true, JSON.stringify(unknownTool))
    for (const args of [{ to: 42 }, { deviceId: '../../etc', to: '1555', text: 'x' }, { to: '1555', media: { type: 'exe', url: 'https://x.test/a' } }, { to: '1555', text: '' }]) {
      const answer = await post(JSON.stringify(rpc('tools/call', { name: 'send_message', arguments: args })))
      assert.equal(answer.statusCode, 200)
      const body = answer.json() as { result?: { isError: boolean }; error?: unknown }
      assert.ok(body.error !== undefined || body.result?.isError === true, `${JSON.stringify(args)} -> ${answer.body}`)
    }
  })

  it('never answers 5xx, whatever JSON arrives (property)', async () => {
    const toolCall = fc.record({
      jsonrpc: fc.constant('2.0'),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
      method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'x'),
      params: fc.record({
        name: fc.constantFrom('send_message', 'list_chats', 'read_messages', 'mark_read', 'check_numbers', 'get_contact', 'list_groups', 'list_sessions'),
        arguments: fc.dictionary(fc.constantFrom('deviceId', 'to', 'text', 'chat', 'limit', 'numbers', 'contact', 'messageIds', 'media', 'before'), fc.jsonValue({ maxDepth: 2 })),
      }),
    })
    await fc.assert(fc.asyncProperty(fc.oneof(toolCall, fc.jsonValue({ maxDepth: 3 })), async (body) => {
      const answer = await post(JSON.stringify(body))
      assert.ok(answer.statusCode < 500, `${JSON.stringify(body)} -> ${answer.statusCode} ${answer.body}`)
    }), { numRuns: 150 })
  })

  it('serves POST only', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const answer = await app.inject({ method, url: '/mcp', headers: adminHeaders })
      assert.equal(answer.statusCode, 405)
      assert.equal(answer.headers.allow, 'POST')
    }
  })
})
