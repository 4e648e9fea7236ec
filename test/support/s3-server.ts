import S3rver from 's3rver'
import { tempDir } from './temp-dir.js'

/** S3rver's fixed credentials (it accepts any signature made with them). */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** An S3-compatible server on loopback (s3rver, from the npm registry), with one bucket, files in a temporary directory. */
export async function startS3Server(bucket: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir(), configureBuckets: [{ name: bucket }] })
  const { port } = await server.run()
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() }
}
