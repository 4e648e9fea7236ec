/** An epoch-milliseconds time as ISO 8601 text, null staying null (as the API shows optional times). */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
