/** Reads the server's Prometheus /metrics into numbers, keyed by series (`name` or `name{labels}`). */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const series = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const split = line.lastIndexOf(' ')
    series.set(line.slice(0, split), Number(line.slice(split + 1)))
  }
  return series
}

/** The sum of a metric's series whose labels include every `label="value"` given. */
export function metricSum(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  let sum = 0
  for (const [key, value] of series) {
    if (key !== name && !key.startsWith(`${name}{`)) continue
    if (wanted.every((pair) => key.includes(pair))) sum += value
  }
  return sum
}

const HEAP_USED = 'wa_api_nodejs_heap_size_used_bytes'

/** The server's V8 heap in use now (garbage not yet collected included). */
export async function heapUsedBytes(baseUrl: string): Promise<number> {
  return metricSum(await scrapeMetrics(baseUrl), HEAP_USED)
}
/** Longest event-loop delay since the previous scrape (prom-client resets its histogram on every scrape). */
export const LAG_MAX = 'wa_api_nodejs_eventloop_lag_max_seconds'
/** Closed WhatsApp connections (each failed reconnect attempt is one). */
export const DISCONNECTS = 'wa_api_disconnects_total'
