/**
 * Reading a request body: JSON only, bounded in size while it streams (a missing or lying `Content-Length` cannot
 * make the server buffer more than the limit), UTF-8 checked, parsed without echoing anything back.
 *
 * @module
 */
import { ValidationError } from '@crmkit/core';
import { HttpError, ServerErrorCode } from './errors.js';

/** A body read: its text (what idempotency fingerprints) and its parsed value. */
export interface JsonBody {
  readonly text: string;
  readonly value: unknown;
}

/** Whether a `Content-Type` names JSON: `application/json`, with at most a `charset=utf-8` parameter. */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => parameter === '' || /^charset="?utf-8"?$/.test(parameter));
}

/**
 * The JSON body of `request`, or `undefined` when it has none (an empty body is none). 413 over `limit` bytes, 415
 * for another media type, `ValidationError` for text that is not UTF-8 or not JSON.
 */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody | undefined> {
  if (request.body === null) return undefined;
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (declared !== null && Number(declared) > 0 && !isJsonContentType(request.headers.get('content-type'))) {
    throw unsupported();
  }
  const bytes = await readBounded(request.body, limit);
  if (bytes.byteLength === 0) return undefined;
  if (!isJsonContentType(request.headers.get('content-type'))) throw unsupported();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ValidationError([{ path: [], message: 'The body is not UTF-8 text' }], 'request body');
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch {
    // The parser's message quotes the text around the error: not repeated.
    throw new ValidationError([{ path: [], message: 'The body is not valid JSON' }], 'request body');
  }
}

async function readBounded(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const tooLarge = (limit: number) =>
  new HttpError(413, ServerErrorCode.payloadTooLarge, `The body is larger than this route accepts (${limit} bytes)`);

const unsupported = () =>
  new HttpError(415, ServerErrorCode.unsupportedMediaType, 'Bodies are JSON: send Content-Type: application/json');
