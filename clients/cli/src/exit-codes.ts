/** What a script can rely on: each failure has its own exit code. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error (its message is printed). */
  apiError: 1,
  /** The command line was wrong (usage is printed). */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** Linking did not finish in --timeout seconds, or the session stopped trying. */
  notLinked: 4,
  /** Anything else: an answer that was not the API's (a proxy's page), or a bug. */
  unexpected: 5,
  /** Interrupted (Ctrl-C) before it was done; `events` ends with 0 instead, that is how it stops. */
  interrupted: 130,
} as const

/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}
