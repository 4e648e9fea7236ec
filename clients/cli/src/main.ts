#!/usr/bin/env node
import { run } from './cli.js'

// Ctrl-C ends a tailing command (events, qr) cleanly, with exit code 0 for events.
const interrupted = new AbortController()
process.once('SIGINT', () => interrupted.abort())

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}, interrupted.signal)
