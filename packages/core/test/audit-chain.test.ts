import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  ConflictError,
  createCrm,
  createMemoryStorage,
  type CustomerInput,
  type MemoryData,
  type StorageOperations,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import {
  appendAuditEntry,
  auditHead,
  canonicalJson,
  sha256,
  verifyAuditLog,
  type AuditEntryContent,
} from '../src/kernel/index.js';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const GENESIS = '0'.repeat(64);

async function setup(role: 'admin' | 'rep' = 'admin') {
  const data: MemoryData = new Map();
  let tick = 0;
  let ids = 0;
  const clock = () => new Date(T0 + 1000 * tick++);
  const storage = createMemoryStorage({ data, now: clock });
  const crm = await createCrm({
    storage,
    actor: { id: 'rep-1', role },
    clock,
    timeZone: 'Asia/Shanghai',
    currency: 'CNY',
    idGenerator: () => `id-${++ids}`,
  });
  return { crm, storage, data };
}

const ada: CustomerInput = { kind: 'person', name: 'Ada Lovelace', emails: ['ada@example.com'] };
const grace: CustomerInput = { kind: 'person', name: 'Grace Hopper', emails: ['grace@example.com'] };

/** Five audited service writes. */
async function writeSome(crm: Awaited<ReturnType<typeof setup>>['crm']): Promise<void> {
  const first = await crm.customers.create(ada);
  const second = await crm.customers.create(grace);
  await crm.customers.update(first.id, { name: 'Ada King' }, { expectedVersion: 1 });
  await crm.customers.update(second.id, { tags: ['navy'] }, { expectedVersion: 1 });
  await crm.customers.update(first.id, { tags: ['maths'] }, { expectedVersion: 2 });
}

/** The stored audit entries, by id. */
async function entries(storage: StoragePort): Promise<StoredRecord[]> {
  return (await storage.query('auditLog')).records;
}

/** The hash of an entry, computed independently of the code under test. */
function hashOf(record: StoredRecord): string {
  const { version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...chained } = record;
  return createHash('sha256').update(canonicalJson(chained)).digest('hex');
}

/** An entry as `put` takes it: without the metadata the adapter maintains. */
function content(record: StoredRecord): Record<string, unknown> & { id: string } {
  const { version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...rest } = record;
  return rest;
}

const entry = (entityId: string): AuditEntryContent => ({
  at: '2026-03-01T08:00:00.000Z',
  actorId: 'rep-1',
  action: 'create',
  entity: 'customers',
  entityId,
  changedFields: [],
});

test('service writes chain their audit entries: ids and seq 1..n, each prev the hash of the one before', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  const log = await entries(storage);
  assert.deepEqual(
    log.map((record) => [record.id, record['seq']]),
    [1, 2, 3, 4, 5].map((seq) => [`z00000000000${seq}`, seq]),
  );
  assert.equal(log[0]!['prev'], GENESIS);
  for (let i = 1; i < log.length; i++) assert.equal(log[i]!['prev'], hashOf(log[i - 1]!));
  // The stored schema reads the chain fields; the service's list still returns every entry.
  const listed = await crm.audit.list({ orderBy: [{ field: 'id' }] });
  assert.deepEqual(
    listed.records.map((record) => [record.seq, record.prev]),
    log.map((record) => [record['seq'], record['prev']]),
  );

  const head = await auditHead(storage);
  assert.deepEqual(head, { seq: 5, hash: hashOf(log[4]!), id: 'z000000000005' });
  assert.deepEqual(await verifyAuditLog(storage), { ok: true, entries: 5, head });
  assert.deepEqual(await verifyAuditLog(storage, { head }), { ok: true, entries: 5, head });
});

test("a rep's writes are chained too, though the rep may not read the log", async () => {
  const { crm, storage } = await setup('rep');
  await writeSome(crm);
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, true);
  assert.equal(result.entries, 5);
});

test('an empty log verifies, has no head, and its first append links to the zero hash', async () => {
  const storage = createMemoryStorage();
  assert.deepEqual(await verifyAuditLog(storage), { ok: true, entries: 0, head: undefined });
  assert.equal(await auditHead(storage), undefined);
  await storage.transaction((tx) => appendAuditEntry(tx, entry('c-1')));
  const [first] = await entries(storage);
  assert.equal(first!.id, 'z000000000001');
  assert.equal(first!['prev'], GENESIS);
});

test("a changed entry breaks the chain at that entry's seq, with reason hash", async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  const second = (await storage.get('auditLog', 'z000000000002'))!;
  await storage.put('auditLog', { ...content(second), changedFields: ['emails'] }, { expectedVersion: second.version });
  assert.deepEqual(await verifyAuditLog(storage), {
    ok: false,
    entries: 2,
    brokenAt: { seq: 2, id: 'z000000000002', reason: 'hash' },
  });
});

test('a deleted entry in the middle breaks the chain with reason sequence, naming the missing seq', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  await storage.delete('auditLog', 'z000000000003');
  assert.deepEqual(await verifyAuditLog(storage), {
    ok: false,
    entries: 2,
    brokenAt: { seq: 3, id: 'z000000000003', reason: 'sequence' },
  });
});

test('a deleted first entry breaks the chain at seq 1', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  await storage.delete('auditLog', 'z000000000001');
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.brokenAt, { seq: 1, id: 'z000000000001', reason: 'sequence' });
});

test('a deleted or rewritten last entry is caught only against a head kept earlier: truncated', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  const kept = (await auditHead(storage))!;
  await storage.delete('auditLog', kept.id);
  // The rest is a valid chain, so without the head nothing shows.
  assert.deepEqual(await verifyAuditLog(storage), { ok: true, entries: 4, head: await auditHead(storage) });
  assert.deepEqual(await verifyAuditLog(storage, { head: kept }), {
    ok: false,
    entries: 4,
    brokenAt: { seq: 5, id: 'z000000000005', reason: 'truncated' },
    head: await auditHead(storage),
  });

  const rewritten = await setup();
  await writeSome(rewritten.crm);
  const head = (await auditHead(rewritten.storage))!;
  const last = (await rewritten.storage.get('auditLog', head.id))!;
  await rewritten.storage.put(
    'auditLog',
    { ...content(last), actorId: 'someone-else' },
    { expectedVersion: last.version },
  );
  const result = await verifyAuditLog(rewritten.storage, { head });
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.brokenAt, { seq: 5, id: 'z000000000005', reason: 'truncated' });
});

test('a head kept earlier still verifies after later appends', async () => {
  const { crm, storage } = await setup();
  await crm.customers.create(ada);
  const kept = (await auditHead(storage))!;
  await crm.customers.create(grace);
  const result = await verifyAuditLog(storage, { head: kept });
  assert.equal(result.ok, true);
  assert.equal(result.entries, 2);
});

test('an entry at a chained id that is not a chained entry breaks the chain with reason shape', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  const third = (await storage.get('auditLog', 'z000000000003'))!;
  const { seq: _seq, ...withoutSeq } = content(third);
  await storage.put('auditLog', withoutSeq, { expectedVersion: third.version });
  assert.deepEqual(await verifyAuditLog(storage), {
    ok: false,
    entries: 2,
    brokenAt: { seq: 3, id: 'z000000000003', reason: 'shape' },
  });
});

test('legacy entries (random ids, no seq) are outside the chain: appends start at 1 and verify skips them', async () => {
  const storage = createMemoryStorage();
  for (const id of ['0b6f2c1e-legacy', 'f81d4fae-legacy', 'zeta-legacy']) {
    await storage.put('auditLog', { ...entry('c-0'), id }, { expectedVersion: 0 });
  }
  await storage.transaction((tx) => appendAuditEntry(tx, entry('c-1')));
  await storage.transaction((tx) => appendAuditEntry(tx, entry('c-2')));
  const chained = (await entries(storage)).filter((record) => record['seq'] !== undefined);
  assert.deepEqual(
    chained.map((record) => record.id),
    ['z000000000001', 'z000000000002'],
  );
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, true);
  assert.equal(result.entries, 2);
});

test('several appends in one transaction chain in order, and the chain goes on after it', async () => {
  const storage = createMemoryStorage();
  await storage.transaction(async (tx) => {
    for (const id of ['c-1', 'c-2', 'c-3']) await appendAuditEntry(tx, entry(id));
  });
  await storage.transaction((tx) => appendAuditEntry(tx, entry('c-4')));
  assert.deepEqual(
    (await entries(storage)).map((record) => [record.id, record['entityId']]),
    [
      ['z000000000001', 'c-1'],
      ['z000000000002', 'c-2'],
      ['z000000000003', 'c-3'],
      ['z000000000004', 'c-4'],
    ],
  );
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, true);
  assert.equal(result.entries, 4);
});

test('verification pages through a log longer than one page', async () => {
  const storage = createMemoryStorage();
  for (let i = 1; i <= 1203; i++) await storage.transaction((tx) => appendAuditEntry(tx, entry(`c-${i}`)));
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, true);
  assert.equal(result.entries, 1203);
  assert.equal(result.head?.id, 'z000000001203');
});

/** `ops` whose queries all wait until `parties` of them have read: the appends then read the same newest entry. */
function barrier(ops: StorageOperations, parties: number): StorageOperations {
  let waiting = 0;
  let release!: () => void;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return {
    ...ops,
    query: async (collection, options) => {
      const page = await ops.query(collection, options);
      if (++waiting === parties) release();
      await allRead;
      return page as never;
    },
  };
}

test('two appends that read the same newest entry: one is refused with ConflictError and the log still verifies', async () => {
  const { crm, storage } = await setup();
  await writeSome(crm);
  const racing = barrier(storage, 2);
  const results = await Promise.allSettled([
    appendAuditEntry(racing, entry('c-a')),
    appendAuditEntry(racing, entry('c-b')),
  ]);
  assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
  const refused = results.find((result) => result.status === 'rejected')?.reason as unknown;
  assert.ok(refused instanceof ConflictError);
  assert.equal(refused.id, 'z000000000006');
  const result = await verifyAuditLog(storage);
  assert.equal(result.ok, true);
  assert.equal(result.entries, 6);
});

test('appends in concurrent transactions each take the next seq', async () => {
  const { crm, storage } = await setup();
  await Promise.all([crm.customers.create(ada), crm.customers.create(grace), crm.customers.create(ada)]);
  assert.deepEqual(
    (await entries(storage)).map((record) => record['seq']),
    [1, 2, 3],
  );
  assert.equal((await verifyAuditLog(storage)).ok, true);
});

async function webCryptoSha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('hex');
}

test('sha256 equals WebCrypto on every padding boundary', async () => {
  // UTF-8 lengths 0..200 cover one, two and three blocks, including 55, 56, 63, 64, 119 and 120 bytes.
  for (let length = 0; length <= 200; length++) {
    const text = 'a'.repeat(length);
    assert.equal(sha256(text), await webCryptoSha256(text), `length ${length}`);
  }
  assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256 equals WebCrypto for any string (property)', async () => {
  const strings = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    // Around the 55/56/64-byte boundaries, with a multi-byte character shifting the byte count.
    fc
      .tuple(fc.integer({ min: 48, max: 72 }), fc.constantFrom('', 'é', '中', '😀'))
      .map(([length, wide]) => 'x'.repeat(length) + wide),
    fc.constant(''),
  );
  await fc.assert(
    fc.asyncProperty(strings, async (text) => {
      assert.equal(sha256(text), await webCryptoSha256(text));
    }),
    { numRuns: 500 },
  );
});
