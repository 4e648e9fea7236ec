import { DomainError, invalidInput } from '../errors.js'
import type { SafeFetcher } from '../security/safe-fetch.js'
import type { MediaKind, MediaPayload } from './outgoing-content.js'

export interface MediaInput {
  url?: string
  base64?: string
  /** The file itself, from a multipart upload. */
  data?: Buffer
  mimetype?: string
  fileName?: string
}

/** Magic numbers of the formats people send most, for base64 uploads without a mimetype. */
const SIGNATURES: Array<[string, (data: Buffer) => boolean]> = [
  ['image/png', (d) => d.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (d) => d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff],
  ['image/gif', (d) => d.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['image/webp', (d) => d.subarray(0, 4).toString('latin1') === 'RIFF' && d.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['application/pdf', (d) => d.subarray(0, 5).toString('latin1') === '%PDF-'],
  ['audio/ogg', (d) => d.subarray(0, 4).toString('latin1') === 'OggS'],
  ['audio/mpeg', (d) => d.subarray(0, 3).toString('latin1') === 'ID3' || (d[0] === 0xff && ((d[1] ?? 0) & 0xe0) === 0xe0)],
  ['video/mp4', (d) => d.subarray(4, 8).toString('latin1') === 'ftyp'],
]

export function sniffMimetype(data: Buffer): string | undefined {
  return SIGNATURES.find(([, matches]) => matches(data))?.[0]
}

/** type/subtype with optional parameters, as WhatsApp's own voice notes carry ("audio/ogg; codecs=opus"). */
const MIMETYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:; ?[a-z0-9!#$&^_.+-]{1,64}=[a-z0-9!#$&^_.+-]{1,64}){0,4}$/

/** Which mimetypes each kind of media message accepts. */
function acceptable(kind: MediaKind, fullType: string): boolean {
  const mimetype = fullType.split(';')[0]!
  switch (kind) {
    case 'image':
      return mimetype.startsWith('image/') && mimetype !== 'image/svg+xml'
    case 'video':
      return mimetype.startsWith('video/') || mimetype === 'image/gif'
    case 'audio':
      return mimetype.startsWith('audio/')
    case 'sticker':
      return mimetype === 'image/webp'
    case 'document':
      return true
  }
}

/** Turns a media reference from a request into bytes, checked for size and type. */
export class MediaResolver {
  constructor(
    private readonly fetcher: SafeFetcher,
    private readonly maxBytes: number,
  ) {}

  async resolve(kind: MediaKind, input: MediaInput): Promise<MediaPayload> {
    const sources = [input.url, input.base64, input.data].filter((source) => source !== undefined).length
    if (sources !== 1) throw invalidInput(`${kind} needs exactly one of url or base64`)
    let data: Buffer
    let declared: string | undefined
    if (input.data !== undefined) {
      if (input.data.length > this.maxBytes) throw invalidInput(`${kind} is larger than ${this.maxBytes} bytes`)
      data = input.data
    } else if (input.url !== undefined) {
      const fetched = await this.fetcher.fetch(input.url)
      data = fetched.data
      declared = fetched.contentType
    } else {
      data = this.decodeBase64(kind, input.base64!)
    }
    if (data.length === 0) throw invalidInput(`${kind} is empty`)
    const mimetype = (input.mimetype ?? (declared && declared !== 'application/octet-stream' ? declared : undefined) ?? sniffMimetype(data) ??
      (kind === 'document' ? 'application/octet-stream' : undefined))?.toLowerCase()
    if (!mimetype) throw invalidInput(`${kind}.mimetype is required: the file type could not be recognised`)
    if (!MIMETYPE.test(mimetype)) throw invalidInput(`${kind}.mimetype is not a valid media type`)
    if (!acceptable(kind, mimetype)) throw invalidInput(`${kind} cannot be of type ${mimetype}`)
    return { data, mimetype, ...(input.fileName ? { fileName: input.fileName } : {}) }
  }

  private decodeBase64(kind: MediaKind, text: string): Buffer {
    const body = text.replace(/^data:[^;,]+;base64,/, '').replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) {
      throw invalidInput(`${kind}.base64 is not valid base64`)
    }
    if ((body.length * 3) / 4 > this.maxBytes + 2) {
      throw new DomainError('invalid_input', `${kind} is larger than ${this.maxBytes} bytes`)
    }
    return Buffer.from(body, 'base64')
  }
}
