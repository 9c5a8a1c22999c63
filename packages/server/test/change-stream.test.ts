/** The change stream on its own: a fake log source and a CRM whose reads the test holds back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeListener } from '@crmkit/core';
import { ChangeLog } from '../src/change-log.js';
import { openChangeStream, visibleChanges } from '../src/change-stream.js';
import { changesOf, EventReader } from './harness.js';

/** A log fed by hand, and a CRM that sees every record once `release` is called. */
function fixture() {
  let emit!: ChangeListener;
  const log = new ChangeLog((listener) => {
    emit = listener;
    return () => undefined;
  }, 100);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const crm = {
    records: {
      get: async () => undefined,
      getMany: async (_collection: string, ids: readonly string[]) => {
        await gate;
        return ids.map((id) => ({ id }));
      },
    },
  };
  const put = (id: string) => emit([{ collection: 'customers', id, type: 'put', version: 1, remote: true }]);
  return { log, crm, put, release };
}

test('a stream too far behind drops what waits and says reset; live batches follow', async (t) => {
  const { log, crm, put, release } = fixture();
  const abort = new AbortController();
  let closes = 0;
  const stream = openChangeStream({
    log,
    crm,
    lastEventId: undefined,
    signal: abort.signal,
    heartbeatMs: 60_000,
    retryMs: 1_000,
    maxPending: 1,
    onError: (error) => assert.fail(String(error)),
    onClose: () => closes++,
  });
  t.after(() => stream.close());
  const events = new EventReader(stream.response);
  put('c1'); // being filtered, held at the gate
  put('c2'); // waits
  put('c3'); // one waiting already: reset instead
  release();
  const first = await events.next();
  assert.deepEqual(changesOf(first!), [{ collection: 'customers', id: 'c1', type: 'put', version: 1 }]);
  assert.equal(first!.id, log.positionOf(1));
  const reset = await events.next();
  assert.equal(reset!.event, 'reset');
  assert.equal(reset!.id, log.positionOf(3), 'live batches continue after the last one dropped');
  assert.deepEqual(reset!.data, { reason: 'overflow' });
  put('c4');
  const live = await events.next();
  assert.equal(live!.id, log.positionOf(4));
  abort.abort();
  assert.equal(await events.ended(), true);
  stream.close();
  assert.equal(closes, 1, 'onClose runs once, however the stream ends');
});

test('a visibility read that fails leaves that collection’s puts out and is reported; deletes stay', async () => {
  const errors: unknown[] = [];
  const crm = {
    records: {
      get: async () => undefined,
      getMany: async (collection: string, ids: readonly string[]) => {
        if (collection === 'broken') throw new Error('storage down');
        return ids.map((id) => (id === 'hidden' ? undefined : { id }));
      },
    },
  };
  const visible = await visibleChanges(
    crm,
    [
      { collection: 'broken', id: 'b1', type: 'put', version: 1 },
      { collection: 'customers', id: 'shown', type: 'put', version: 2 },
      { collection: 'customers', id: 'hidden', type: 'put', version: 1 },
      { collection: 'customers', id: 'gone', type: 'delete' },
    ],
    (error) => errors.push(error),
  );
  assert.deepEqual(
    visible.map((change) => change.id),
    ['shown', 'gone'],
  );
  assert.equal(errors.length, 1);
});

test('the log resumes within its ring only, and never from another log', () => {
  let emit!: ChangeListener;
  const log = new ChangeLog((listener) => {
    emit = listener;
    return () => undefined;
  }, 3);
  for (const id of ['a', 'b', 'c', 'd', 'e']) emit([{ collection: 'x', id, type: 'put', version: 1 }]);
  const ids = (from: string) => {
    const following = log.follow(from, () => undefined);
    following.stop();
    return following.backlog === 'reset' ? 'reset' : following.backlog.map((batch) => batch.changes[0]!.id);
  };
  assert.deepEqual(ids(log.positionOf(2)), ['c', 'd', 'e']);
  assert.deepEqual(ids(log.positionOf(4)), ['e']);
  assert.deepEqual(ids(log.positionOf(5)), []);
  assert.equal(ids(log.positionOf(1)), 'reset', 'batch 2 is gone');
  assert.equal(ids(log.positionOf(6)), 'reset', 'a position from the future');
  assert.equal(ids('other:3'), 'reset');
  assert.equal(ids('garbage'), 'reset');
  const other = new ChangeLog(() => () => undefined, 3);
  assert.notEqual(other.run, log.run);
});
