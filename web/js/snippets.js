/**
 * Ready-to-copy code for sending a text message through one session. The key is never embedded:
 * snippets show its masked form (or a placeholder), since the full key is only shown once.
 */

/** @param {{ origin: string, deviceId: string, apiKeyMasked: string|null }} target */
export function buildSnippets({ origin, deviceId, apiKeyMasked }) {
  const key = apiKeyMasked ?? 'YOUR_SESSION_API_KEY'
  const url = `${origin}/api/messages/send`
  const body = { deviceId, number: '+1 555 123 4567', message: 'Hello from the API!' }
  const json = JSON.stringify(body)
  // Single quotes in a POSIX shell string are closed, escaped, and reopened.
  const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`

  const curl = [
    `curl -X POST ${shellQuote(url)} \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${key}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(json)}`,
  ].join('\n')

  const javascript = [
    `const API_KEY = ${JSON.stringify(key)} // the session's full key`,
    '',
    `const response = await fetch(${JSON.stringify(url)}, {`,
    `  method: "POST",`,
    `  headers: { Authorization: \`Bearer \${API_KEY}\`, "Content-Type": "application/json" },`,
    `  body: JSON.stringify(${JSON.stringify(body, null, 2).replaceAll('\n', '\n  ')}),`,
    `})`,
    `const result = await response.json()`,
    `if (!result.success) throw new Error(result.error)`,
    `console.log(result.messageId, result.status)`,
  ].join('\n')

  const python = [
    'import requests',
    '',
    `API_KEY = ${JSON.stringify(key)}  # the session's full key`,
    '',
    `response = requests.post(`,
    `    ${JSON.stringify(url)},`,
    `    headers={"Authorization": f"Bearer {API_KEY}"},`,
    `    json=${JSON.stringify(body).replaceAll('","', '", "').replaceAll('":"', '": "')},`,
    `    timeout=30,`,
    `)`,
    `result = response.json()`,
    `if not result["success"]:`,
    `    raise RuntimeError(result["error"])`,
    `print(result["messageId"], result["status"])`,
  ].join('\n')

  return { curl, javascript, python }
}
