import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client, Pool } from 'pg';
import {
  pgClientDriver,
  pgPoolDriver,
  type PgListenable,
  type PgNamedQuery,
  type PgNotification,
  type PgPoolLike,
} from '@crmkit/storage-postgres';

// The shims take real `pg` objects: these fail to compile if the structural types drift from @types/pg.
export const poolFits = (pool: Pool): PgPoolLike => pool;
export const clientFits = (client: Client): PgListenable => client;

/** A stand-in for a `pg` connection that records what it is sent and can deliver notifications and lose itself. */
function fakeConnection(
  log: string[],
  fail?: (sql: string) => Error | undefined,
  named?: (name: string | undefined, text: string) => void,
): PgListenable & { notify(message: PgNotification): void; lose(error: Error): void; listeners(): number } {
  const listeners = new Map<string, Set<(argument: never) => void>>();
  const on = (event: string, listener: (argument: never) => void) => {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event)!.add(listener);
  };
  const off = (event: string, listener: (argument: never) => void) => void listeners.get(event)?.delete(listener);
  const fire = (event: string, argument: unknown) =>
    listeners.get(event)?.forEach((listener) => (listener as (value: unknown) => void)(argument));
  return {
    on: on as PgListenable['on'],
    off: off as NonNullable<PgListenable['off']>,
    notify: (message) => fire('notification', message),
    lose: (error) => fire('error', error),
    listeners: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0),
    async query(statement: string | PgNamedQuery) {
      const text = typeof statement === 'string' ? statement : statement.text;
      named?.(typeof statement === 'string' ? undefined : statement.name, text);
      log.push(text);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const error = fail?.(text);
      if (error) throw error;
      return { rows: [{ sql: text }] };
    },
  };
}

test('the pg pool driver runs a transaction on one connection and releases it', async () => {
  const log: string[] = [];
  const released: unknown[] = [];
  const connection = fakeConnection(log);
  const pool = {
    ...fakeConnection(log),
    connect: async () => ({ ...connection, release: (error?: unknown) => void released.push(error) }),
  };
  const driver = pgPoolDriver(pool);
  assert.equal(await driver.transaction(async (tx) => (await tx.query('SELECT 1')).rows.length), 1);
  assert.deepEqual(log, ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT 1', 'COMMIT']);
  await assert.rejects(
    driver.transaction(async () => {
      throw new Error('body');
    }),
    /body/,
  );
  assert.equal(log.at(-1), 'ROLLBACK');
  assert.deepEqual(released, [undefined, undefined]);
});

test('the pg shims prepare a statement with parameters from its second use, under one name per text', async () => {
  const sent: [string | undefined, string][] = [];
  const connection = fakeConnection([], undefined, (name, text) => void sent.push([name, text]));
  const pool = { ...connection, connect: async () => ({ ...connection, release: () => undefined }) };
  const driver = pgPoolDriver(pool);
  const text = `SELECT $1::text AS prepared_${process.pid}`;
  await driver.query(text, ['a']);
  await driver.query(text, ['b']);
  await driver.transaction(async (tx) => void (await tx.query(text, ['c'])));
  // Without parameters (BEGIN, COMMIT, a script of several statements) nothing is prepared.
  await driver.query('SELECT 1');
  await driver.query('SELECT 1');
  const name = sent[1]![0];
  assert.match(name ?? '', /^crmkit_[0-9a-z]+_\d+$/);
  assert.deepEqual(
    sent.map(([prepared]) => prepared),
    [undefined, name, undefined, name, undefined, undefined, undefined],
    JSON.stringify(sent),
  );
  // Another driver (another storage on the same connections) uses the same name for the same text.
  sent.length = 0;
  await pgClientDriver(connection).query(text, ['d']);
  assert.deepEqual(sent, [[name, text]]);
  // Off, nothing is named.
  sent.length = 0;
  const plain = pgPoolDriver(pool, { prepare: false });
  await plain.query(text, ['e']);
  await plain.transaction(async (tx) => void (await tx.query(text, ['f'])));
  assert.ok(
    sent.every(([prepared]) => prepared === undefined),
    JSON.stringify(sent),
  );
});

test('the pg pool driver discards a connection whose ROLLBACK failed', async () => {
  const log: string[] = [];
  const released: unknown[] = [];
  const connection = fakeConnection(log, (sql) => (sql === 'ROLLBACK' ? new Error('connection lost') : undefined));
  const driver = pgPoolDriver({
    ...connection,
    connect: async () => ({ ...connection, release: (error?: unknown) => void released.push(error) }),
  });
  await assert.rejects(
    driver.transaction(async () => {
      throw new Error('body');
    }),
    /body/,
  );
  assert.equal(released.length, 1);
  assert.ok(released[0] instanceof Error);
});

test('the pg client driver keeps statements out of a running transaction', async () => {
  const log: string[] = [];
  const driver = pgClientDriver(fakeConnection(log));
  const transaction = driver.transaction(async (tx) => {
    await tx.query('UPDATE a');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await tx.query('UPDATE b');
  });
  const outside = driver.query('SELECT outside');
  await Promise.all([transaction, outside]);
  assert.deepEqual(log, ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'UPDATE a', 'UPDATE b', 'COMMIT', 'SELECT outside']);
});

test('the pg pool driver listens on a connection it holds until unlistened', async () => {
  const log: string[] = [];
  const released: unknown[] = [];
  const connection = fakeConnection(log);
  const driver = pgPoolDriver({
    ...fakeConnection(log),
    connect: async () => ({ ...connection, release: (error?: unknown) => void released.push(error) }),
  });
  const payloads: string[] = [];
  const stop = await driver.listen!('crmkit_crmkit', (payload) => payloads.push(payload));
  connection.notify({ channel: 'crmkit_crmkit', payload: 'one' });
  connection.notify({ channel: 'other', payload: 'two' });
  assert.deepEqual(payloads, ['one']);
  assert.deepEqual(released, []);
  await stop();
  connection.notify({ channel: 'crmkit_crmkit', payload: 'three' });
  assert.deepEqual(payloads, ['one']);
  assert.deepEqual(log, ['LISTEN crmkit_crmkit', 'UNLISTEN crmkit_crmkit']);
  assert.deepEqual(released, [undefined]);
  await assert.rejects(
    driver.listen!('x; drop table y', () => undefined),
    /channel/,
  );
  assert.equal(released.length, 2, 'a refused listen gives its connection back');
});

test('the pg pool driver reports a lost listening connection once and discards it', async () => {
  const log: string[] = [];
  const released: unknown[] = [];
  const connection = fakeConnection(log);
  const driver = pgPoolDriver({
    ...fakeConnection(log),
    connect: async () => ({ ...connection, release: (error?: unknown) => void released.push(error) }),
  });
  const lost: Error[] = [];
  const stop = await driver.listen!(
    'crmkit_crmkit',
    () => undefined,
    (error) => lost.push(error),
  );
  const failure = new Error('terminated');
  connection.lose(failure);
  connection.lose(new Error('again'));
  assert.deepEqual(lost, [failure]);
  assert.deepEqual(released, [failure], 'released as broken, so the pool discards it');
  await stop();
  assert.deepEqual(log, ['LISTEN crmkit_crmkit'], 'no UNLISTEN on a lost connection');
  assert.equal(released.length, 1);
  assert.equal(connection.listeners(), 0, 'its listeners are detached');
});
