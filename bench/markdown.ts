import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Goal } from './report.js'

// Helpers shared by the report and the cluster-only report.

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)
export const kb = (bytes: number): string => (bytes / 1024).toFixed(0)
export const fixed = (value: number | null, digits = 1): string => (value === null ? 'n/a' : value.toFixed(digits))
export const yesNo = (value: boolean | null): string => (value === null ? 'n/a' : value ? 'yes' : 'NO')

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
}

export function heading(startedAt: string, environment: Record<string, string | number | boolean>): string {
  return `# Benchmark report\n\n${startedAt}. ${Object.entries(environment)
    .map(([key, value]) => `${key}: ${value}`)
    .join('; ')}.`
}

export function goalsSection(goals: Goal[]): string {
  return `## Goals\n\n${table(
    ['Goal', 'Target', 'Measured', 'Met'],
    goals.map((g) => [g.goal, g.target, g.measured, yesNo(g.pass)]),
  )}`
}

/** Writes `<name>.json` and `<name>.md` into outDir. */
export function writeReportFiles(outDir: string, name: string, report: unknown, markdown: string): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true })
  const paths = { json: join(outDir, `${name}.json`), markdown: join(outDir, `${name}.md`) }
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(paths.markdown, markdown)
  return paths
}
