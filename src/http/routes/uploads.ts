import multipart, { type MultipartFile } from '@fastify/multipart'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Value } from 'typebox/value'
import { DomainError, invalidInput } from '../../errors.js'
import type { MessageService } from '../../messaging/message-service.js'
import { MEDIA_KINDS, type MediaKind } from '../../messaging/outgoing-content.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, ErrorResponse, KEY_SECURITY } from '../schemas.js'
import { idempotencyKey, QueuedResponse, SEND_ERRORS, SentResponse, sendReply } from './messages.js'

export interface UploadRoutesDeps {
  messages: MessageService
  auth: Authenticator
  maxFileBytes: number
}

const Fields = Type.Object({
  deviceId: DeviceId,
  number: Type.String({ minLength: 1, maxLength: 128 }),
  type: Type.Optional(Type.Union(MEDIA_KINDS.map((kind) => Type.Literal(kind)))),
  caption: Type.Optional(Type.String({ maxLength: 4096 })),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  voice: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  gif: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  queue: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
})

/** image/*, video/*, audio/* go as such; anything else as a document. */
function kindFor(mimetype: string): MediaKind {
  const family = mimetype.split('/')[0]
  return family === 'image' || family === 'video' || family === 'audio' ? family : 'document'
}

export const uploadRoutes: FastifyPluginAsyncTypebox<UploadRoutesDeps> = async (app, { messages, auth, maxFileBytes }) => {
  await app.register(multipart, { limits: { files: 1, fields: 20, fieldSize: 8192, fileSize: maxFileBytes, parts: 21 } })

  app.post('/api/messages/send-file', {
    config: { scopes: ['send'] },
    schema: {
      summary: 'Send an uploaded file (multipart/form-data with a "file" part)',
      description: 'Fields: deviceId, number, optional type (image, video, audio, document, sticker; guessed from the file), caption, fileName, voice, gif, replyTo, queue, idempotencyKey.',
      tags: ['messages'],
      security: KEY_SECURITY,
      consumes: ['multipart/form-data'],
      response: { 200: SentResponse, 202: QueuedResponse, ...SEND_ERRORS, 413: ErrorResponse },
    },
    onRequest: async (request) => auth.requireSomeKey(request),
  }, async (request, reply) => {
    if (!request.isMultipart()) throw invalidInput('Send multipart/form-data with a "file" part')
    const fields: Record<string, string> = {}
    let file: { data: Buffer; mimetype: string; fileName: string } | undefined
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') throw invalidInput('The file part must be named "file"')
          file = await readFile(part, maxFileBytes)
        } else {
          fields[part.fieldname] = String(part.value)
        }
      }
    } catch (error) {
      // Limit errors carry their own 4xx status; anything else the parser throws is a malformed body.
      if (error instanceof DomainError || (error as { statusCode?: number }).statusCode) throw error
      throw invalidInput(`Malformed multipart body: ${(error as Error).message}`)
    }
    if (!Value.Check(Fields, fields)) {
      const [first] = Value.Errors(Fields, fields)
      throw invalidInput(`Invalid field ${first?.instancePath.slice(1) ?? ''}: ${first?.message ?? 'invalid value'}`)
    }
    if (!file) throw invalidInput('A "file" part is required')
    await auth.requireSessionAccess(request, fields.deviceId!)
    const kind = (fields.type as MediaKind | undefined) ?? kindFor(file.mimetype)
    const media = { data: file.data, mimetype: file.mimetype === 'application/octet-stream' ? undefined : file.mimetype, fileName: fields.fileName ?? file.fileName }
    const caption = fields.caption
    const content = {
      image: kind === 'image' ? { ...media, caption } : undefined,
      video: kind === 'video' ? { ...media, caption, gif: fields.gif === 'true' } : undefined,
      audio: kind === 'audio' ? { ...media, voice: fields.voice === 'true' } : undefined,
      document: kind === 'document' ? { ...media, caption } : undefined,
      sticker: kind === 'sticker' ? media : undefined,
    }
    const queue = fields.queue === 'true'
    const outcome = await messages.send({
      deviceId: fields.deviceId!,
      number: fields.number!,
      ...content,
      replyTo: fields.replyTo,
      queue,
      idempotencyKey: idempotencyKey(request, fields.idempotencyKey),
    })
    return reply.status(queue ? 202 : 200).send(sendReply(outcome, queue, undefined))
  })
}

async function readFile(part: MultipartFile, maxBytes: number): Promise<{ data: Buffer; mimetype: string; fileName: string }> {
  const data = await part.toBuffer()
  if (part.file.truncated || data.length > maxBytes) throw invalidInput(`The file is larger than ${maxBytes} bytes`)
  return { data, mimetype: part.mimetype.toLowerCase(), fileName: part.filename }
}
