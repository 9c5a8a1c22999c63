/** `GET /changes`: visibility per actor, resumption with Last-Event-ID, reset, heartbeats, and closing. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { toNodeListener } from '@crmkit/server';
import {
  changesOf,
  credentials,
  EventReader,
  memoryHandler,
  ok,
  openChanges,
  REP_A,
  REP_B,
  testAuthenticate,
  type SseEvent,
} from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };

const touches = (event: SseEvent, id: string) => changesOf(event).some((change) => change.id === id);

test('a change reaches the actors who may see it, and no one else', async (t) => {
  const { handler } = memoryHandler();
  t.after(() => handler.close());
  const a = await openChanges(handler, REP_A);
  const b = await openChanges(handler, REP_B);
  const ofA = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Of A', ownerId: REP_A.id },
  });
  const ofB = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Of B', ownerId: REP_B.id },
  });

  const seenByA = await a.events.until((event) => event.event === 'change', 'rep A’s first change');
  assert.deepEqual(changesOf(seenByA), [{ collection: 'customers', id: ofA.id, type: 'put', version: 1 }]);
  assert.match(seenByA.id ?? '', /^[0-9a-z]+:\d+$/);
  // B's first visible batch is B's customer: A's batch (and its audit entry) was never sent to B.
  const seenByB = await b.events.until((event) => event.event === 'change', 'rep B’s first change');
  assert.deepEqual(changesOf(seenByB), [{ collection: 'customers', id: ofB.id, type: 'put', version: 1 }]);
  // Sharing makes it visible: the update reaches B now.
  const shared = await ok<Row>(handler, 'PATCH', `/customers/${ofA.id}`, {
    body: { sharedWith: [REP_B.id] },
    headers: { 'if-match': '"1"' },
  });
  const sharedEvent = await b.events.until((event) => touches(event, ofA.id), 'the shared customer');
  assert.deepEqual(changesOf(sharedEvent), [
    { collection: 'customers', id: ofA.id, type: 'put', version: shared.version },
  ]);
  // A delete names the id only, and goes to every stream of the tenant (see change-stream.ts).
  const removed = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Gone', ownerId: REP_B.id },
  });
  await ok(handler, 'DELETE', `/customers/${removed.id}`, { headers: { 'if-match': '*' } });
  const deletion = await a.events.until((event) => touches(event, removed.id), 'the delete');
  assert.deepEqual(changesOf(deletion), [{ collection: 'customers', id: removed.id, type: 'delete' }]);
  a.abort.abort();
  b.abort.abort();
  await handler.close();
});

test('Last-Event-ID resumes after the last event received; an unknown or pruned position gets reset', async (t) => {
  const { handler } = memoryHandler({ changes: { bufferBatches: 4 } });
  t.after(() => handler.close());
  const first = await openChanges(handler, REP_A);
  const one = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'One', ownerId: REP_A.id },
  });
  const seen = await first.events.until((event) => touches(event, one.id), 'the first customer');
  first.abort.abort();
  assert.equal(await first.events.ended(), true, 'aborting the request ends the stream');

  const two = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Two', ownerId: REP_A.id },
  });
  const three = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Three', ownerId: REP_A.id },
  });
  const resumed = await openChanges(handler, REP_A, { lastEventId: seen.id! });
  const next = await resumed.events.until((event) => event.event === 'change', 'the missed changes');
  const after = await resumed.events.until((event) => event.event === 'change', 'the second missed change');
  assert.deepEqual([changesOf(next)[0]!.id, changesOf(after)[0]!.id], [two.id, three.id]);
  const position = (event: SseEvent) => Number(event.id!.split(':')[1]);
  assert.ok(position(seen) < position(next) && position(next) < position(after), 'ids increase');
  resumed.abort.abort();

  const stranger = await openChanges(handler, REP_A, { lastEventId: 'abc123:7' });
  const reset = await stranger.events.next();
  assert.equal(reset?.event, 'reset');
  assert.deepEqual(reset?.data, { reason: 'position' });
  assert.match(reset?.id ?? '', /^[0-9a-z]+:\d+$/);
  stranger.abort.abort();

  // Four batches are kept: a position more than four batches back cannot be resumed.
  for (let index = 0; index < 5; index++) {
    await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: `Later ${index}`, ownerId: REP_A.id } });
  }
  const late = await openChanges(handler, REP_A, { lastEventId: seen.id! });
  const pruned = await late.events.next();
  assert.equal(pruned?.event, 'reset');
  // After the reset, live changes follow.
  const live = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Live', ownerId: REP_A.id },
  });
  await late.events.until((event) => touches(event, live.id), 'a live change after the reset');
  await handler.close();
  assert.equal(await late.events.ended(), true, 'close() ends the streams');
});

test('the session gives the change log’s position and the heartbeat; a stream resuming there misses nothing', async (t) => {
  const { handler } = memoryHandler({ changes: { heartbeatMs: 1_234 } });
  t.after(() => handler.close());
  const session = await ok<{ changes: { position: string; heartbeatMs: number } }>(handler, 'GET', '/session', {
    actor: REP_A,
  });
  assert.equal(session.changes.heartbeatMs, 1_234);
  assert.match(session.changes.position, /^[0-9a-z]+:\d+$/);
  // Committed after the session, before the client's stream opened (it subscribed, its GET /changes is on the way).
  const early = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Early', ownerId: REP_A.id },
  });
  const stream = await openChanges(handler, REP_A, { lastEventId: session.changes.position });
  const first = await stream.events.next();
  assert.equal(first?.event, 'change', 'the position is resumable: no reset');
  assert.ok(touches(first, early.id));
  stream.abort.abort();
  await handler.close();
});

test('heartbeats keep the stream alive', async (t) => {
  const { handler } = memoryHandler({ changes: { heartbeatMs: 10 } });
  t.after(() => handler.close());
  const stream = await openChanges(handler, REP_A);
  await stream.events.comment('ping');
  await stream.events.comment('ping');
  stream.abort.abort();
  await handler.close();
});

test('over real HTTP: toNodeListener streams changes and ends the stream when the client goes away', async (t) => {
  const { handler } = memoryHandler();
  t.after(() => handler.close());
  const server = createServer(toNodeListener(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const abort = new AbortController();
    const response = await fetch(`${base}/changes`, {
      headers: { authorization: credentials(REP_A) },
      signal: abort.signal,
    });
    const events = new EventReader(response);
    const created = await fetch(`${base}/customers`, {
      method: 'POST',
      headers: { authorization: credentials(REP_A), 'content-type': 'application/json', 'idempotency-key': 'k1' },
      body: JSON.stringify({ kind: 'person', name: 'Over the wire' }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('etag'), '"1"');
    const customer = (await created.json()) as Row;
    await events.until((event) => touches(event, customer.id), 'the change over HTTP');
    const problem = await fetch(`${base}/customers`, {
      method: 'POST',
      headers: { authorization: credentials(REP_A), 'content-type': 'text/plain' },
      body: 'not json',
    });
    assert.equal(problem.status, 415);
    assert.match(problem.headers.get('content-type') ?? '', /^application\/problem\+json/);
    abort.abort();
    await events.cancel();
  } finally {
    // Resolves only once every connection has ended: the aborted stream's included.
    server.close();
    await once(server, 'close');
    await handler.close();
  }
});

test('a stream ends when the credential it was opened with expires; one without an expiry runs on', async (t) => {
  const opened = Date.now();
  const { handler } = memoryHandler({
    changes: { heartbeatMs: 20 },
    authenticate: async (request) => {
      const who = await testAuthenticate(request);
      // Rep A's credential expires 300 ms from now; rep B's carries no expiry.
      return who && who.actor.id === REP_A.id ? { ...who, expiresAt: opened + 300 } : who;
    },
  });
  t.after(() => handler.close());
  const [expiring, lasting] = await Promise.all([openChanges(handler, REP_A), openChanges(handler, REP_B)]);
  await expiring.events.comment('ping');
  while ((await expiring.events.next()) !== undefined) {
    assert.ok(Date.now() - opened < 5_000, 'the stream ended');
  }
  assert.ok(Date.now() - opened >= 300, `ended at ${Date.now() - opened} ms, not before the expiry`);
  // Heartbeats still arrive on the other stream.
  await lasting.events.comment('ping');
  lasting.abort.abort();
  // A credential expired already: the stream ends at once.
  const { handler: late } = memoryHandler({
    authenticate: async (request) => {
      const who = await testAuthenticate(request);
      return who && { ...who, expiresAt: Date.now() - 1 };
    },
  });
  t.after(() => late.close());
  const stale = await openChanges(late, REP_A);
  while ((await stale.events.next()) !== undefined);
});
