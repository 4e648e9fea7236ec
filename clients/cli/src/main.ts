#!/usr/bin/env node
import { run } from './cli.js'
import { EXIT } from './exit-codes.js'

// The first Ctrl-C ends a following command (events, qr, pair) cleanly; anything still running a
// moment later, or a second Ctrl-C, exits at once.
const interrupted = new AbortController()
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(EXIT.interrupted)
  interrupted.abort()
  setTimeout(() => process.exit(EXIT.interrupted), 1_000).unref()
})
// A reader that went away (events --json | head -1) is how a pipeline ends, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok)
  throw error
})

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}, interrupted.signal)
