export interface Output {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

/** Rows as aligned columns under a header. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => cell ?? '-'))]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  return cells.map((row) => row.map((cell, column) => (cell ?? '').padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n'
}

/** One JSON document per line (NDJSON): what --json prints. */
export const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`
