import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRM_COLLECTIONS, type ChangeEvent } from '@crmkit/core';
import { ANY_RECORD, createRemoteCrm, isResetChange, type RemoteCrmOptions } from '@crmkit/client';
import { BASE, SESSION, json, stubServer, until, type StubServer } from './stub.js';

// The change stream over a stub event stream: one shared connection, batches delivered as `remote: true`, reconnects
// resuming with Last-Event-ID, and a reset batch whenever changes may have been missed.

const fast = { minDelay: 1, maxDelay: 2 };

async function remote(server: StubServer, options: Partial<RemoteCrmOptions> = {}) {
  return createRemoteCrm({ url: BASE, fetch: server.fetch, reconnect: fast, ...options });
}

const change = (id: string, batch: unknown[]) => `id: ${id}\nevent: change\ndata: ${JSON.stringify(batch)}\n\n`;

test('one stream for every subscriber; batches come whole, marked remote', async () => {
  const server = stubServer();
  const crm = await remote(server, { getToken: () => 'secret', headers: { 'X-Tenant': 'acme' } });
  const first: (readonly ChangeEvent[])[] = [];
  const second: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => first.push(events));
  crm.subscribe((events) => second.push(events));
  await until(() => server.streams.length === 1, 'the stream was opened');
  const { request, stream } = server.streams[0]!;
  assert.equal(request.url.pathname, '/api/crm/changes');
  assert.equal(request.headers.get('accept'), 'text/event-stream');
  assert.equal(request.headers.get('authorization'), 'Bearer secret');
  assert.equal(request.headers.get('x-tenant'), 'acme');
  // The first connection resumes from the session's position: nothing committed after subscribe() is missed.
  assert.equal(request.headers.get('last-event-id'), SESSION.changes.position);

  const text = change('1:1', [
    { collection: 'deals', id: 'd1', type: 'put', version: 2 },
    { collection: 'deals', id: 'd2', type: 'delete' },
  ]);
  stream.push(': heartbeat\n\n');
  stream.push(text.slice(0, 20));
  stream.push(text.slice(20));
  await until(() => first.length === 1 && second.length === 1, 'the batch was delivered');
  const expected = [
    { collection: 'deals', id: 'd1', type: 'put', version: 2, remote: true },
    { collection: 'deals', id: 'd2', type: 'delete', remote: true },
  ];
  assert.deepEqual(first[0], expected);
  assert.deepEqual(second[0], expected);
  assert.equal(server.streams.length, 1, 'still one stream');
  await crm.dispose();
});

test('the last unsubscribe closes the stream; the next subscriber’s resumes where it stopped', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const batches: (readonly ChangeEvent[])[] = [];
  const off1 = crm.subscribe((events) => batches.push(events));
  const off2 = crm.subscribe(() => undefined);
  await until(() => server.streams.length === 1, 'the stream was opened');
  server.streams[0]!.stream.push(change('7', [{ collection: 'deals', id: 'd1', type: 'put', version: 1 }]));
  await until(() => batches.length === 1, 'the batch was delivered');
  off1();
  off1();
  assert.equal(server.streams[0]!.request.signal?.aborted, false, 'open while someone listens');
  off2();
  assert.equal(server.streams[0]!.request.signal?.aborted, true, 'closed after the last');
  await until(() => server.streams[0]!.stream.cancelled, 'the body was cancelled');
  crm.subscribe(() => undefined);
  await until(() => server.streams.length === 2, 'a new stream was opened');
  // What was committed while no one listened is sent too: the new subscriber cannot miss a change made after it
  // subscribed and before its stream opened.
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), '7');
  await crm.dispose();
  assert.equal(server.streams[1]!.request.signal?.aborted, true);
});

test('a cut stream is opened again, resuming after the last event id', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => server.streams.length === 1, 'the stream was opened');
  server.streams[0]!.stream.push(change('41', [{ collection: 'tasks', id: 't1', type: 'put', version: 1 }]));
  server.streams[0]!.stream.push(change('42', [{ collection: 'tasks', id: 't1', type: 'put', version: 2 }]));
  await until(() => batches.length === 2, 'both batches were delivered');
  server.streams[0]!.stream.fail();
  await until(() => server.streams.length === 2, 'the stream was opened again');
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), '42');
  server.streams[1]!.stream.push(change('43', [{ collection: 'tasks', id: 't2', type: 'put', version: 1 }]));
  server.streams[1]!.stream.end();
  await until(() => server.streams.length === 3, 'the stream was opened after it ended');
  assert.equal(server.streams[2]!.request.headers.get('last-event-id'), '43');
  assert.equal(batches.length, 3, 'no reset: the server resumed');
  assert.ok(batches.flat().every((event) => !isResetChange(event)));
  await crm.dispose();
});

test('connections that fail are tried again with backoff until one holds', async () => {
  const server = stubServer();
  let refusals = 3;
  const attempts: string[] = [];
  const crm = await remote(server, {
    fetch: async (input, init) => {
      if (new URL(input).pathname.endsWith('/changes') && refusals > 0) {
        attempts.push(init.headers instanceof Headers ? (init.headers.get('last-event-id') ?? '-') : '?');
        refusals--;
        if (refusals === 2) throw new TypeError('fetch failed');
        if (refusals === 1) return json(503, { code: 'CRM_SERVER_CLOSED' }, 'application/problem+json');
        return json(200, { not: 'a stream' });
      }
      return server.fetch(input, init);
    },
  });
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => server.streams.length === 1, 'a connection held');
  // Every attempt resumes from the session's position: the server sends what was committed meanwhile, no reset.
  assert.deepEqual(attempts, ['0', '0', '0']);
  assert.equal(server.streams[0]!.request.headers.get('last-event-id'), '0');
  server.streams[0]!.stream.push(change('1', [{ collection: 'deals', id: 'd1', type: 'put', version: 1 }]));
  await until(() => batches.length === 1, 'the batch was delivered');
  assert.ok(!batches[0]!.some(isResetChange));
  await crm.dispose();
});

test('event: reset hands every subscriber a batch naming every collection with id *', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => server.streams.length === 1, 'the stream was opened');
  const { stream } = server.streams[0]!;
  stream.push(change('5', [{ collection: 'hostNotes', id: 'n1', type: 'put', version: 1 }]));
  stream.push('event: reset\ndata: {}\n\n');
  await until(() => batches.length === 2, 'the reset was delivered');
  const reset = batches[1]!;
  assert.ok(reset.every((event) => event.id === ANY_RECORD && event.type === 'put' && event.remote === true));
  assert.ok(reset.every(isResetChange));
  const collections = reset.map((event) => event.collection);
  for (const name of [...CRM_COLLECTIONS, 'hostNotes']) assert.ok(collections.includes(name), name);
  // The pipeline board re-reads everything on a pipeline change, the 360° card on a segment change.
  assert.ok(collections.includes('pipelines') && collections.includes('segments'));
  // The position was lost: the next connection does not claim one.
  stream.fail();
  await until(() => server.streams.length === 2, 'the stream was opened again');
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), null);
  await crm.dispose();
});

test('an unreadable batch resets; the stream goes on from the position it had', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => server.streams.length === 1, 'the stream was opened');
  server.streams[0]!.stream.push('event: change\ndata: [{"collection":"deals"}]\n\n');
  await until(() => batches.length === 1, 'the unreadable batch became a reset');
  assert.ok(batches[0]!.every(isResetChange));
  server.streams[0]!.stream.end();
  await until(() => server.streams.length === 2, 'the stream was opened again');
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), '0');
  await crm.dispose();
});

test('with no position to start from (a session without one), every connection opened resets, the first too', async () => {
  const { changes: _changes, ...withoutPosition } = SESSION;
  const server = stubServer(undefined, withoutPosition);
  const crm = await remote(server);
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => server.streams.length === 1, 'the stream was opened');
  assert.equal(server.streams[0]!.request.headers.get('last-event-id'), null);
  // What was committed between subscribe() and the server following its log is unknown: read again.
  await until(() => batches.length === 1, 'a reset on opening without a position');
  assert.ok(batches[0]!.every(isResetChange));
  server.streams[0]!.stream.end();
  await until(() => server.streams.length === 2, 'the stream was opened again');
  await until(() => batches.length === 2, 'a reset after reconnecting without a position');
  assert.ok(batches[1]!.every(isResetChange));
  // Once an event has given a position, the next connection resumes from it, with no reset.
  server.streams[1]!.stream.push(change('3', [{ collection: 'deals', id: 'd1', type: 'put', version: 1 }]));
  await until(() => batches.length === 3, 'the batch was delivered');
  server.streams[1]!.stream.end();
  await until(() => server.streams.length === 3, 'the stream was opened once more');
  assert.equal(server.streams[2]!.request.headers.get('last-event-id'), '3');
  server.streams[2]!.stream.push(change('4', [{ collection: 'deals', id: 'd2', type: 'put', version: 1 }]));
  await until(() => batches.length === 4, 'the next batch was delivered');
  assert.ok(!batches[3]!.some(isResetChange));
  await crm.dispose();
});

test('aggregates.onRefreshed follows rewritten customer aggregates on the stream', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const refreshed: [string, unknown][] = [];
  const off = crm.aggregates.onRefreshed((id, trigger) => void refreshed.push([id, trigger]));
  await until(() => server.streams.length === 1, 'the stream was opened');
  server.streams[0]!.stream.push(
    change('9', [
      { collection: 'customerStats', id: 'c1', type: 'put', version: 3 },
      { collection: 'deals', id: 'd1', type: 'put', version: 3 },
      { collection: 'customerStats', id: 'c2', type: 'delete' },
    ]),
  );
  server.streams[0]!.stream.push('event: reset\ndata:\n\n');
  await until(() => refreshed.length === 1, 'the listener ran');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(refreshed, [['c1', undefined]]);
  off();
  assert.equal(server.streams[0]!.request.signal?.aborted, true);
  await crm.dispose();
});

test('after dispose, subscribing delivers nothing and opens no stream', async () => {
  const server = stubServer();
  const crm = await remote(server);
  await crm.dispose();
  const off = crm.subscribe(() => assert.fail('nothing after dispose'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(server.streams.length, 0);
  off();
});

/**
 * Lets pending reads, microtasks and I/O callbacks run until `condition` holds (with timers mocked, `until`, which
 * sleeps, cannot), calling `eachTurn` between turns.
 */
async function settle(condition: () => boolean, what: string, eachTurn?: () => void): Promise<void> {
  for (let turn = 0; turn < 1_000; turn++) {
    if (condition()) return;
    eachTurn?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Never happened: ${what}`);
}

/** A few turns of the event loop, for what cannot be waited for by a condition (a heartbeat read). */
async function turns(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

test('a connection that delivers nothing for idleTimeout is taken as dead, aborted and opened again, resuming', async (t) => {
  // Mocked timers and clock: the watchdog's time passes only as the test says.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = stubServer();
  const crm = await remote(server, { reconnect: { minDelay: 1, maxDelay: 2, idleTimeout: 1_000 } });
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await settle(() => server.streams.length === 1, 'the stream was opened');
  const first = server.streams[0]!;
  first.stream.push(change('41', [{ collection: 'tasks', id: 't1', type: 'put', version: 1 }]));
  await settle(() => batches.length === 1, 'the batch was delivered');
  // Heartbeats more often than the bound keep the connection, however long it lasts.
  for (let beat = 0; beat < 10; beat++) {
    t.mock.timers.tick(600);
    first.stream.push(': ping\n\n');
    await turns();
  }
  assert.equal(server.streams.length, 1, 'a connection that sends heartbeats is kept');
  assert.equal(first.request.signal?.aborted, false);
  // Then nothing: no FIN, no error, the read just never returns. After the bound the connection is given up.
  t.mock.timers.tick(1_000);
  await settle(() => first.request.signal?.aborted === true, 'the silent connection was aborted');
  await settle(() => first.stream.cancelled, 'its body was cancelled');
  // The backoff's pause (at most maxDelay), the mocked clock moved on a millisecond a turn.
  await settle(
    () => server.streams.length === 2,
    'the stream was opened again',
    () => t.mock.timers.tick(1),
  );
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), '41', 'resuming after the last event');
  server.streams[1]!.stream.push(change('42', [{ collection: 'tasks', id: 't1', type: 'put', version: 2 }]));
  await settle(() => batches.length === 2, 'live batches follow on the new connection');
  assert.ok(
    batches.flat().every((event) => !isResetChange(event)),
    'no reset: the server resumed',
  );
  await crm.dispose();
});

test('a connection that never answers is abandoned after idleTimeout and tried again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = stubServer();
  const hanging: RequestInit[] = [];
  const crm = await remote(server, {
    reconnect: { minDelay: 1, maxDelay: 2, idleTimeout: 5_000 },
    fetch: (input, init) => {
      if (!new URL(input).pathname.endsWith('/changes') || hanging.length > 0) return server.fetch(input, init);
      hanging.push(init);
      // A request into a black hole: it settles only when aborted.
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    },
  });
  crm.subscribe(() => undefined);
  await settle(() => hanging.length === 1, 'the first connection was attempted');
  t.mock.timers.tick(4_999);
  await turns();
  assert.equal(hanging[0]!.signal?.aborted, false);
  t.mock.timers.tick(1);
  await settle(() => hanging[0]!.signal?.aborted === true, 'the attempt was abandoned');
  await settle(
    () => server.streams.length === 1,
    'a second attempt connected',
    () => t.mock.timers.tick(1),
  );
  assert.equal(server.streams[0]!.request.headers.get('last-event-id'), '0');
  await crm.dispose();
});
