import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * One full garbage collection between compiling the routes and restoring the sessions.
 *
 * V8 records at most 1,536 transitions from the empty object's hidden class. Compiling the routes'
 * schemas records about 1,500 that are garbage right after: ajv's generated variable names,
 * fast-json-stringify's schema ids, find-my-way's regular-expression sets. Their hidden classes die
 * with the compilers' objects, but a transition is dropped only by a full collection, and until the
 * first one every object built from `{}` with a first key not recorded yet gets a hidden class of its
 * own: 41,000 in the first seconds of restoring 10,000 sessions (V8's `--log-maps`), and the inline
 * caches that saw them stay megamorphic. On a heap that holds no session yet this takes milliseconds.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  collect()
}
