import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { collectStartupGarbage } from '../../src/startup-collection.js'

setFlagsFromString('--allow-natives-syntax')
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean
const withKey = (key: string): object => {
  const value: Record<string, number> = {}
  value[key] = 1
  return value
}

it("gives V8's table of transitions from {} its room back once what filled it is garbage", () => {
  // What compiling schemas leaves: objects built from {} under keys made up once, dead right away.
  for (let index = 0; index < 2_000; index++) withKey(`generated${index}`)
  assert.ok(!sameHiddenClass(withKey('keyBeforeTheCollection'), withKey('keyBeforeTheCollection')), 'the table is full: each object gets a hidden class of its own')
  collectStartupGarbage()
  assert.ok(sameHiddenClass(withKey('keyAfterTheCollection'), withKey('keyAfterTheCollection')))
})
