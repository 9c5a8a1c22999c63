/**
 * Test harness: handlers over core's memory storage with a test `authenticate` (the `Authorization: Test <id> <role>
 * [tenant]` header), a `call` helper speaking the wire format, and a reader of server-sent events.
 */
import assert from 'node:assert/strict';
import { createMemoryStorage, type CrmActor, type StoragePort } from '@crmkit/core';
import { createCrmHandler, type CrmHandler, type CrmHandlerOptions } from '@crmkit/server';

/** The test actors. */
export const ADMIN = { id: 'usr-admin', role: 'admin' } as const satisfies CrmActor;
export const REP_A = { id: 'usr-a', role: 'rep' } as const satisfies CrmActor;
export const REP_B = { id: 'usr-b', role: 'rep' } as const satisfies CrmActor;
export const VIEWER = { id: 'usr-view', role: 'viewer' } as const satisfies CrmActor;

/** The `Authorization` header the test `authenticate` reads. */
export const credentials = (actor: CrmActor, tenant?: string): string =>
  ['Test', actor.id, actor.role ?? 'rep', ...(tenant === undefined ? [] : [tenant])].join(' ');

/** The test `authenticate`: `Test <id> <role> [tenant]`; anything else is nobody. */
export async function testAuthenticate(request: Request) {
  const parts = (request.headers.get('authorization') ?? '').split(' ');
  if (parts[0] !== 'Test' || parts.length < 3) return undefined;
  const [, id, role, tenant] = parts as [string, string, 'admin' | 'manager' | 'rep' | 'viewer', string?];
  return tenant === undefined ? { actor: { id, role } } : { actor: { id, role }, tenant };
}

/** A handler over one memory storage, with test defaults. */
export function memoryHandler(options: Partial<CrmHandlerOptions> = {}): { handler: CrmHandler; storage: StoragePort } {
  const storage = createMemoryStorage();
  const handler = createCrmHandler({
    storage,
    authenticate: testAuthenticate,
    crm: { timeZone: 'Asia/Shanghai', currency: 'CNY' },
    ...options,
  });
  return { handler, storage };
}

/** An answer, its body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** What a call may carry beside its method and path. */
export interface CallOptions {
  readonly actor?: CrmActor | null;
  readonly tenant?: string;
  readonly body?: unknown;
  /** Sent as it is, instead of JSON of `body`. */
  readonly raw?: string;
  readonly query?: unknown;
  readonly headers?: Record<string, string>;
  readonly base?: string;
}

/** Calls the handler as a client would: JSON body, `q`, credentials of `actor` (admin by default). */
export async function call(
  handler: (request: Request) => Promise<Response>,
  verb: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers = new Headers(options.headers);
  const actor = options.actor === undefined ? ADMIN : options.actor;
  if (actor !== null) headers.set('authorization', credentials(actor, options.tenant));
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const q = options.query === undefined ? '' : `?q=${encodeURIComponent(JSON.stringify(options.query))}`;
  const response = await handler(
    new Request(`http://crm.test${options.base ?? ''}${path}${q}`, {
      method: verb,
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: type.includes('json') ? JSON.parse(text) : text };
}

/** Asserts a successful answer and returns its body. */
export async function ok<T = Record<string, unknown>>(
  handler: (request: Request) => Promise<Response>,
  verb: string,
  path: string,
  options: CallOptions = {},
): Promise<T> {
  const answer = await call(handler, verb, path, options);
  assert.ok(answer.status < 300, `${verb} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}

/** Asserts a problem answer of `status` and `code`, and returns the problem. */
export async function problem(
  handler: (request: Request) => Promise<Response>,
  verb: string,
  path: string,
  expected: { status: number; code: string },
  options: CallOptions = {},
): Promise<Record<string, unknown>> {
  const answer = await call(handler, verb, path, options);
  assert.equal(answer.status, expected.status, `${verb} ${path}: ${JSON.stringify(answer.body)}`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = answer.body as Record<string, unknown>;
  assert.equal(body['code'], expected.code);
  assert.equal(body['status'], expected.status);
  assert.equal(typeof body['title'], 'string');
  assert.equal(typeof body['detail'], 'string');
  assert.match(String(body['type']), /^https:\/\/crmkit\.dev\/problems\/[a-z-]+$/);
  assert.ok(!JSON.stringify(body).includes('    at '), 'no stack');
  return body;
}

/** One server-sent event. */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: unknown;
}

/** Reads server-sent events from a response body, one at a time. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** Comments seen so far (heartbeats). */
  comments = 0;

  constructor(response: Response) {
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    this.#reader = response.body!.getReader();
  }

  /** The next event, or `undefined` when the stream ended. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = this.#parse(block);
        if (event) return event;
        continue;
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** The next event `predicate` accepts, skipping others; fails when the stream ends first. */
  async until(predicate: (event: SseEvent) => boolean, what: string): Promise<SseEvent> {
    for (;;) {
      const event = await this.next();
      assert.ok(event, `the stream ended before ${what}`);
      if (predicate(event)) return event;
    }
  }

  /** Reads until a comment `text` arrives (e.g. `ping`, a heartbeat), skipping events; fails when the stream ends. */
  async comment(text: string): Promise<void> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        if (block.split('\n').includes(`: ${text}`)) return;
        continue;
      }
      const { value, done } = await this.#reader.read();
      assert.ok(!done, `the stream ended before the comment ${text}`);
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Whether the stream has ended (reads what is left). */
  async ended(): Promise<boolean> {
    for (;;) {
      const { done } = await this.#reader.read();
      if (done) return true;
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }

  #parse(block: string): SseEvent | undefined {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') id = value;
      else if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
      else continue;
      fields++;
    }
    if (fields === 0 || data.length === 0) return undefined;
    return { ...(id === undefined ? {} : { id }), event, data: JSON.parse(data.join('\n')) };
  }
}

/** Opens `GET /changes` for `actor`; the returned controller aborts the request. */
export async function openChanges(
  handler: (request: Request) => Promise<Response>,
  actor: CrmActor,
  options: { tenant?: string; lastEventId?: string } = {},
): Promise<{ events: EventReader; abort: AbortController }> {
  const abort = new AbortController();
  const headers = new Headers({ authorization: credentials(actor, options.tenant) });
  if (options.lastEventId !== undefined) headers.set('last-event-id', options.lastEventId);
  const response = await handler(new Request('http://crm.test/changes', { headers, signal: abort.signal }));
  return { events: new EventReader(response), abort };
}

/** The `{ collection, id, type }`s of a change event. */
export const changesOf = (event: SseEvent) =>
  event.data as readonly { collection: string; id: string; type: string; version?: number }[];

/** A deal's fields beside its customer. */
export const DEAL = {
  title: 'LED retrofit',
  pipelineId: 'default',
  stageId: 'opportunity',
  amount: { amountMinor: 1_200_000, currency: 'CNY' },
  expectedCloseDate: '2026-06-30',
} as const;
