import type { Readable } from 'node:stream'
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { MediaStorageConfig } from '../config.js'
import { type MediaStore, sessionPrefix } from './media-store.js'

type S3Config = Extract<MediaStorageConfig, { kind: 's3' }>

/** How long one S3 request may take. */
const S3_TIMEOUT_MS = 30_000
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000

/** Kept media in an S3-compatible bucket (AWS, MinIO, R2, ...); events link to them with presigned URLs. */
export function s3MediaStore(config: S3Config, urlTtlSeconds: number): MediaStore {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.accessKeyId && config.secretAccessKey ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } } : {}),
    maxAttempts: 2,
    requestHandler: { requestTimeout: S3_TIMEOUT_MS, connectionTimeout: S3_TIMEOUT_MS },
  })
  const { bucket } = config
  const remove = async (keys: readonly string[]): Promise<void> => {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH)
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }))
    }
  }
  return {
    kind: 's3',
    put: async (key, data, mimetype) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: mimetype, ContentLength: data.length }))
    },
    get: async (key) => {
      try {
        return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined
        throw error
      }
    },
    delete: remove,
    link: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: urlTtlSeconds }),
    deleteSession: async (deviceId) => {
      let token: string | undefined
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: sessionPrefix(deviceId), ContinuationToken: token }))
        await remove((page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])))
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
    },
  }
}
