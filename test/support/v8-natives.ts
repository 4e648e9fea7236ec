import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// V8's own answers about hidden classes, for tests of code written to keep them few. Natives syntax
// is parsed only while the flag is on, so the probes are compiled right after setting it.
setFlagsFromString('--allow-natives-syntax')

/** Whether two objects have one hidden class (V8 map). */
export const sameHiddenClass = runInNewContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean

/** Whether an object's properties are fast (in its hidden class) rather than a dictionary. */
export const hasFastProperties = runInNewContext('(value) => %HasFastProperties(value)') as (value: unknown) => boolean
