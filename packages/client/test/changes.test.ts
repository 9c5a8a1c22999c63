import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRM_COLLECTIONS, type ChangeEvent } from '@crmkit/core';
import { ANY_RECORD, createRemoteCrm, isResetChange, type RemoteCrmOptions } from '@crmkit/client';
import { BASE, json, stubServer, until, type StubServer } from './stub.js';

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
  assert.equal(request.headers.get('last-event-id'), null);

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

test('the last unsubscribe closes the stream; the next subscriber opens a fresh one', async () => {
  const server = stubServer();
  const crm = await remote(server);
  const off1 = crm.subscribe(() => undefined);
  const off2 = crm.subscribe(() => undefined);
  await until(() => server.streams.length === 1, 'the stream was opened');
  server.streams[0]!.stream.push(change('7', [{ collection: 'deals', id: 'd1', type: 'put', version: 1 }]));
  off1();
  off1();
  assert.equal(server.streams[0]!.request.signal?.aborted, false, 'open while someone listens');
  off2();
  assert.equal(server.streams[0]!.request.signal?.aborted, true, 'closed after the last');
  await until(() => server.streams[0]!.stream.cancelled, 'the body was cancelled');
  crm.subscribe(() => undefined);
  await until(() => server.streams.length === 2, 'a new stream was opened');
  assert.equal(server.streams[1]!.request.headers.get('last-event-id'), null);
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
  assert.deepEqual(attempts, ['-', '-', '-']);
  // Changes made while it could not connect are unknown: the subscriber is told to read again.
  await until(() => batches.length === 1, 'a reset was delivered');
  assert.ok(batches[0]!.every(isResetChange));
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

test('a stream opened again with no position to resume from, or an unreadable batch, resets', async () => {
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
  await until(() => batches.length === 2, 'a reset after reconnecting without a position');
  assert.ok(batches[1]!.every(isResetChange));
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
