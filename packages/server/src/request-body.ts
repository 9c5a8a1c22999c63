/**
 * Reading a request body: JSON (and, for the public web-to-lead form, an HTML form's
 * `application/x-www-form-urlencoded`), bounded in size while it streams (a missing or lying `Content-Length` cannot
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

/** Whether a `Content-Type` names an HTML form's encoding, `application/x-www-form-urlencoded` (UTF-8). */
export function isFormContentType(header: string | null): boolean {
  if (header === null) return false;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/x-www-form-urlencoded') return false;
  return parameters.every((parameter) => parameter === '' || /^charset="?utf-8"?$/.test(parameter));
}

/**
 * The JSON body of `request`, or `undefined` when it has none (an empty body is none). 413 over `limit` bytes, 415
 * for another media type, `ValidationError` for text that is not UTF-8 or not JSON.
 */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody | undefined> {
  const text = await readText(request, limit, isJsonContentType, JSON_ONLY);
  return text === undefined ? undefined : { text, value: parseJson(text) };
}

/** A body of the public form endpoint: a JSON value, or an HTML form's fields. */
export type FormBody =
  { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'form'; readonly fields: URLSearchParams };

/**
 * The body of a public form post: JSON, or `application/x-www-form-urlencoded` from a plain HTML form; `undefined`
 * when there is none. 413 over `limit`, 415 for another media type, `ValidationError` for text that is not UTF-8 or
 * not JSON.
 */
export async function readFormBody(request: Request, limit: number): Promise<FormBody | undefined> {
  const accepted = (type: string | null) => isJsonContentType(type) || isFormContentType(type);
  const text = await readText(request, limit, accepted, JSON_OR_FORM);
  if (text === undefined) return undefined;
  if (isJsonContentType(request.headers.get('content-type'))) return { kind: 'json', value: parseJson(text) };
  return { kind: 'form', fields: new URLSearchParams(text) };
}

const JSON_ONLY = 'Bodies are JSON: send Content-Type: application/json';
const JSON_OR_FORM = 'Send Content-Type: application/json or application/x-www-form-urlencoded';

/** The body as UTF-8 text, or `undefined` when it is empty; its media type checked by `accepted`. */
async function readText(
  request: Request,
  limit: number,
  accepted: (contentType: string | null) => boolean,
  unsupportedDetail: string,
): Promise<string | undefined> {
  if (request.body === null) return undefined;
  const type = request.headers.get('content-type');
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (declared !== null && Number(declared) > 0 && !accepted(type)) throw unsupported(unsupportedDetail);
  const bytes = await readBounded(request.body, limit);
  if (bytes.byteLength === 0) return undefined;
  if (!accepted(type)) throw unsupported(unsupportedDetail);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ValidationError([{ path: [], message: 'The body is not UTF-8 text' }], 'request body');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
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

const unsupported = (detail: string) => new HttpError(415, ServerErrorCode.unsupportedMediaType, detail);
