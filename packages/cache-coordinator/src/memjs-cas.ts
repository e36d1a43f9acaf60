// Compare-and-swap on memcached through memjs, which sends any binary-protocol request with
// `Client#perform` but offers no `gets`/`cas` of its own. Requests are built as the binary protocol
// specifies: a 24-byte header (magic 0x80, opcode, key length, extras length, body length, opaque,
// CAS), then extras, key and value.
import type { MemjsClient } from './memjs.js';

const OPCODE = { get: 0x00, set: 0x01, add: 0x02, delete: 0x04 } as const;
const STATUS = { ok: 0x0000, notFound: 0x0001, exists: 0x0002, notStored: 0x0005 } as const;
const NO_CAS = Buffer.alloc(8);

/** A stored value and its CAS version (changed by every write of the key). */
export interface Versioned {
  value: Buffer;
  cas: Buffer;
}

interface MemjsResponse {
  header: { status: number; cas: Buffer };
  val: Buffer;
}

function perform(
  client: MemjsClient,
  opcode: number,
  key: string,
  options: { extras?: Buffer; value?: string; cas?: Buffer },
): Promise<MemjsResponse> {
  const keyBytes = Buffer.from(key);
  const extras = options.extras ?? Buffer.alloc(0);
  const value = Buffer.from(options.value ?? '');
  const request = Buffer.alloc(24 + extras.length + keyBytes.length + value.length);
  client.incrSeq();
  const seq = client.seq;
  request.writeUInt8(0x80, 0);
  request.writeUInt8(opcode, 1);
  request.writeUInt16BE(keyBytes.length, 2);
  request.writeUInt8(extras.length, 4);
  request.writeUInt32BE(extras.length + keyBytes.length + value.length, 8);
  request.writeUInt32BE(seq, 12);
  (options.cas ?? NO_CAS).copy(request, 16);
  extras.copy(request, 24);
  keyBytes.copy(request, 24 + extras.length);
  value.copy(request, 24 + extras.length + keyBytes.length);
  return new Promise((resolve, reject) => {
    client.perform(key, request, seq, (error, response: MemjsResponse) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function unexpected(operation: string, status: number): Error {
  return new Error(`memcached ${operation} failed with status 0x${status.toString(16).padStart(4, '0')}`);
}

/** memcached's `gets`: the value with its CAS version, or null when the key is absent. */
export async function getVersioned(client: MemjsClient, key: string): Promise<Versioned | null> {
  const response = await perform(client, OPCODE.get, key, {});
  if (response.header.status === STATUS.notFound) return null;
  if (response.header.status !== STATUS.ok) throw unexpected('get', response.header.status);
  return { value: response.val, cas: Buffer.from(response.header.cas) };
}

/**
 * Stores `value` only if nobody wrote the key since `version` was read; with `version` null, only if
 * the key is absent (memcached's `add`). False when another write came first: read again and retry.
 */
export async function storeIfUnchanged(
  client: MemjsClient,
  key: string,
  value: string,
  expiresSeconds: number,
  version: Versioned | null,
): Promise<boolean> {
  const extras = Buffer.alloc(8); // flags (0), then the expiry
  extras.writeUInt32BE(expiresSeconds, 4);
  const response = await perform(client, version ? OPCODE.set : OPCODE.add, key, {
    extras,
    value,
    ...(version ? { cas: version.cas } : {}),
  });
  const { status } = response.header;
  if (status === STATUS.ok) return true;
  if (status === STATUS.exists || status === STATUS.notFound || status === STATUS.notStored) return false;
  throw unexpected(version ? 'cas' : 'add', status);
}

/** Deletes the key only if nobody wrote it since `version` was read; false otherwise. */
export async function deleteIfUnchanged(
  client: MemjsClient,
  key: string,
  version: Versioned,
): Promise<boolean> {
  const response = await perform(client, OPCODE.delete, key, { cas: version.cas });
  const { status } = response.header;
  if (status === STATUS.ok) return true;
  if (status === STATUS.exists || status === STATUS.notFound) return false;
  throw unexpected('delete', status);
}
