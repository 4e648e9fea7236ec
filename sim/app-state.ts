import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from '@whiskeysockets/baileys'

/**
 * Answers `<iq xmlns=w:sync:app:state>`: the sim keeps no app state (chat settings, contacts,
 * labels), so every collection is empty at the version the client already holds; no patches
 * and no snapshot end Baileys' resync loop for that collection.
 */
export function answerAppStateSync(iq: BinaryNode): BinaryNode {
  const collections = getBinaryNodeChildren(getBinaryNodeChild(iq, 'sync'), 'collection')
  return {
    tag: 'sync',
    attrs: {},
    content: collections.map(({ attrs }) => ({ tag: 'collection', attrs: { name: attrs.name ?? '', version: attrs.version ?? '0' } }))
  }
}
