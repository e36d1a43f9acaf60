/**
 * An S3 stand-in at the SDK's transport: a `requestHandler` that keeps objects in memory and answers
 * conditional requests (`If-None-Match: *`, `If-Match: <etag>`) with the statuses and XML error bodies S3
 * documents. s3rver ignores those headers, so contention on the deploy lock is tested here, through the
 * real `S3Client` (its serializers, error parsing and retries), with only the network replaced.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

/** An object as the fake keeps it. */
/** S3 client configuration for a test server: its endpoint, static credentials, path-style addressing, no flexible checksums. */
export interface S3TestClientConfig {
  region: string;
  endpoint: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
}

export interface FakeS3Object {
  body: Buffer;
  /** Quoted, as S3 sends it: the MD5 of the body for a single PUT. */
  etag: string;
  lastModified: Date;
  /** `x-amz-meta-*` headers, without the prefix. */
  metadata: Record<string, string>;
  contentType: string | undefined;
  /** The `x-amz-server-side-encryption` the writer asked for. */
  serverSideEncryption: string | undefined;
}

/** A request as the fake saw it, for assertions. */
export interface FakeS3Request {
  method: string;
  /** The SDK's operation name from its `x-id` query parameter (`PutObject`), or `HeadObject`. */
  operation: string;
  bucket: string;
  key: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** An answer the test gives instead of the fake's own (e.g. a 409 ConditionalRequestConflict). */
export interface FakeS3Answer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface CreateFakeS3Options {
  /** The buckets that exist; requests to others get NoSuchBucket. @default every bucket exists */
  buckets?: readonly string[];
  /** The time objects are written at (for `Last-Modified`). @default Date.now */
  now?: () => number;
}

export interface FakeS3 {
  /**
   * Client configuration for `createAwsAccess({ clientConfig })`: this transport, static credentials, a
   * region, path-style addressing and no flexible checksums (so bodies arrive as they were sent).
   */
  readonly clientConfig: S3TestClientConfig & { requestHandler: object };
  /** Every request, in the order they arrived. */
  readonly requests: FakeS3Request[];
  object(bucket: string, key: string): FakeS3Object | undefined;
  /** Writes an object directly (no request), as another client would have. */
  putObject(
    bucket: string,
    key: string,
    body: string | Buffer,
    metadata?: Record<string, string>,
  ): FakeS3Object;
  deleteObject(bucket: string, key: string): void;
  /**
   * Runs before each request is answered; an answer it returns is sent instead of the fake's own. It may
   * wait (e.g. until a second request arrives) to force an interleaving.
   */
  intercept(
    handler:
      | ((request: FakeS3Request) => Promise<FakeS3Answer | undefined> | FakeS3Answer | undefined)
      | undefined,
  ): void;
}

/** S3's XML error body, with the status it goes with. */
export function s3ErrorAnswer(statusCode: number, code: string, message: string, extra = ''): FakeS3Answer {
  return {
    statusCode,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${requestId()}</RequestId><HostId>fake-s3</HostId></Error>`,
  };
}

const preconditionFailed = (condition: string) =>
  s3ErrorAnswer(
    412,
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    `<Condition>${condition}</Condition>`,
  );
const noSuchKey = (key: string) =>
  s3ErrorAnswer(404, 'NoSuchKey', 'The specified key does not exist.', `<Key>${escapeXml(key)}</Key>`);

export function createFakeS3(options: CreateFakeS3Options = {}): FakeS3 {
  const now = options.now ?? Date.now;
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const objects = new Map<string, FakeS3Object>();
  const requests: FakeS3Request[] = [];
  let interceptor: Parameters<FakeS3['intercept']>[0];
  const id = (bucket: string, key: string) => `${bucket}\u0000${key}`;

  const store = (bucket: string, key: string, body: Buffer, headers: Record<string, string>) => {
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    const object: FakeS3Object = {
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: new Date(Math.floor(now() / 1000) * 1000),
      metadata,
      contentType: headers['content-type'],
      serverSideEncryption: headers['x-amz-server-side-encryption'],
    };
    objects.set(id(bucket, key), object);
    return object;
  };

  const objectHeaders = (object: FakeS3Object): Record<string, string> => ({
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-length': String(object.body.length),
    ...(object.contentType ? { 'content-type': object.contentType } : {}),
    ...(object.serverSideEncryption ? { 'x-amz-server-side-encryption': object.serverSideEncryption } : {}),
    ...Object.fromEntries(
      Object.entries(object.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
    ),
  });

  // Everything after the body is read runs without an await: each request is atomic, as S3 evaluates a
  // condition and applies the write as one step.
  const answer = (request: FakeS3Request): FakeS3Answer => {
    const { bucket, key, headers } = request;
    if (buckets && !buckets.has(bucket)) {
      if (request.operation === 'HeadObject') return { statusCode: 404 };
      return s3ErrorAnswer(
        404,
        'NoSuchBucket',
        'The specified bucket does not exist',
        `<BucketName>${bucket}</BucketName>`,
      );
    }
    const existing = objects.get(id(bucket, key));
    const ifMatch = headers['if-match'];
    const ifNoneMatch = headers['if-none-match'];
    switch (request.operation) {
      case 'PutObject': {
        if (ifNoneMatch !== undefined) {
          if (ifNoneMatch !== '*')
            return s3ErrorAnswer(400, 'InvalidArgument', 'If-None-Match only accepts the value *');
          if (existing) return preconditionFailed('If-None-Match');
        }
        if (ifMatch !== undefined) {
          if (!existing) return noSuchKey(key);
          if (ifMatch !== '*' && ifMatch !== existing.etag) return preconditionFailed('If-Match');
        }
        const object = store(bucket, key, request.body, headers);
        return {
          statusCode: 200,
          headers: {
            etag: object.etag,
            ...(object.serverSideEncryption
              ? { 'x-amz-server-side-encryption': object.serverSideEncryption }
              : {}),
          },
        };
      }
      case 'GetObject':
        if (!existing) return noSuchKey(key);
        return { statusCode: 200, headers: objectHeaders(existing), body: existing.body.toString('utf8') };
      case 'HeadObject':
        // HEAD answers carry no body: the SDK names a bare 404 `NotFound`.
        if (!existing) return { statusCode: 404 };
        return { statusCode: 200, headers: objectHeaders(existing) };
      case 'DeleteObject':
        if (ifMatch !== undefined) {
          if (!existing) return noSuchKey(key);
          if (ifMatch !== '*' && ifMatch !== existing.etag) return preconditionFailed('If-Match');
        }
        objects.delete(id(bucket, key));
        return { statusCode: 204 };
      default:
        return s3ErrorAnswer(501, 'NotImplemented', `the fake S3 does not implement ${request.operation}`);
    }
  };

  const requestHandler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(httpRequest: {
      method: string;
      path: string;
      query?: Record<string, string | string[] | null>;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const headers = Object.fromEntries(
        Object.entries(httpRequest.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const [bucket = '', ...rest] = httpRequest.path.replace(/^\//, '').split('/');
      const xId = httpRequest.query?.['x-id'];
      const request: FakeS3Request = {
        method: httpRequest.method,
        operation:
          typeof xId === 'string' ? xId : httpRequest.method === 'HEAD' ? 'HeadObject' : httpRequest.method,
        bucket: decodeURIComponent(bucket),
        key: decodeURIComponent(rest.join('/')),
        headers,
        body: await collect(httpRequest.body),
      };
      requests.push(request);
      const given = interceptor ? await interceptor(request) : undefined;
      const reply = given ?? answer(request);
      const body = request.method === 'HEAD' ? '' : (reply.body ?? '');
      return {
        response: {
          statusCode: reply.statusCode,
          headers: { 'x-amz-request-id': requestId(), ...reply.headers },
          body: Readable.from(body ? [Buffer.from(body, 'utf8')] : []),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };

  return {
    clientConfig: {
      region: 'us-east-1',
      endpoint: 'http://fake-s3.test',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAFAKES3EXAMPLE001', secretAccessKey: 'fake-s3-secret-key' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler,
    },
    requests,
    object: (bucket, key) => objects.get(id(bucket, key)),
    putObject: (bucket, key, body, metadata = {}) =>
      store(
        bucket,
        key,
        Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
        Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
      ),
    deleteObject: (bucket, key) => void objects.delete(id(bucket, key)),
    intercept: (handler) => {
      interceptor = handler;
    },
  };
}

async function collect(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  throw new Error(`the fake S3 cannot read a request body of type ${typeof body}`);
}

function requestId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
