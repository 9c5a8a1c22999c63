import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ValidationError,
  canonicalJson,
  createCrm,
  createMemoryStorage,
  type Crm,
  type StoragePort,
} from '@crmkit/core';

// 10 000 random invalid inputs to create and update: every one is refused with a ValidationError naming the bad field,
// and storage stays byte-identical (its canonical export does not change by a single character).

interface Target {
  service: 'customers' | 'leads' | 'deals';
  valid: Record<string, unknown>;
  /** Field → values that field must refuse. */
  bad: Record<string, readonly unknown[]>;
}

const longName = 'x'.repeat(201);
const notText = [42, true, null, ['a'], { a: 1 }];

const targets: Target[] = [
  {
    service: 'customers',
    valid: {
      kind: 'organisation',
      name: '杭州云帆科技有限公司',
      emails: ['sales@yunfan.example'],
      country: 'CN',
      tags: ['vip'],
    },
    bad: {
      kind: ['robot', '', 1, null],
      name: ['', '   ', longName, ...notText],
      emails: ['x', ['not-an-email'], [42], [null], 'a@b.c'],
      phones: [['call me'], ['+'], [12345678]],
      website: ['javascript:alert(1)', 'data:text/html,x', ' JaVaScRiPt:x', 'vbscript:x', 'ftp://x', 42],
      country: ['China', 'cn1', 86],
      lifecycleStage: ['Won', 'ACQUIRE', 3, 'at risk'],
      tags: ['vip', [1], [longName.repeat(2)]],
      customFields: [[], 'x', { 'bad key!': 1 }, { nested: { deep: true } }],
    },
  },
  {
    service: 'leads',
    valid: { name: 'Li Wei', company: 'Shenzhen Lanhai', email: 'li.wei@lanhai.example', source: 'wechat' },
    bad: {
      name: ['', longName, ...notText],
      email: ['li.wei', 'li@', 7, ['a@b.example']],
      phone: ['phone', '++86', 13800138000],
      status: ['hot', '', null],
      score: ['high', null, Number.NaN, Number.POSITIVE_INFINITY],
    },
  },
  {
    service: 'deals',
    valid: {
      title: 'ERP pilot',
      customerId: 'cus-1',
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 1280000, currency: 'CNY' },
    },
    bad: {
      title: ['', longName, ...notText],
      customerId: ['', 1, null, 'x'.repeat(129)],
      amount: [
        { amountMinor: 1.5, currency: 'CNY' },
        { amountMinor: -1, currency: 'CNY' },
        { amountMinor: 1, currency: 'yuan' },
        100,
        null,
      ],
      status: ['pending', 1],
      expectedCloseDate: ['2026-02-30', '31/12/2026', '2026-12-31T00:00:00Z', 20261231],
      closedAt: ['yesterday', '2026-13-01T00:00:00Z', '2026-01-01 00:00', 0],
    },
  },
];

async function world(): Promise<{ crm: Crm; storage: StoragePort; ids: Record<string, string>; snapshot: string }> {
  const storage = createMemoryStorage({ now: () => new Date('2026-03-01T00:00:00Z') });
  // The deal's customer: a deal must name one that exists.
  const customer = { kind: 'organisation', name: 'Yunfan', emails: [], phones: [], tags: [], lifecycleStage: 'lead' };
  await storage.put('customers', { ...customer, id: 'cus-1', ownerId: 'rep-1' }, { expectedVersion: 0 });
  const crm = await createCrm({ storage, actor: { id: 'rep-1' } });
  const ids: Record<string, string> = {};
  for (const target of targets) ids[target.service] = (await crm[target.service].create(target.valid as never)).id;
  // Aggregates follow writes through events: let them settle before taking the reference snapshot.
  await crm.aggregates.settled();
  return { crm, storage, ids, snapshot: canonicalJson(await storage.exportSnapshot()) };
}

const corruption = fc.constantFrom(...targets).chain((target) =>
  fc.record({
    target: fc.constant(target),
    field: fc.constantFrom(...Object.keys(target.bad)),
    pick: fc.nat(),
    operation: fc.constantFrom('create', 'update'),
    // Unknown keys ride along: refused too (named by their own issue), never stored.
    extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  }),
);

test('10 000 invalid creates and updates are refused with the field named, and storage is byte-identical', async () => {
  const { crm, storage, ids, snapshot } = await world();
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(corruption, async ({ target, field, pick, operation, extra }) => {
      const values = target.bad[field]!;
      const value = values[pick % values.length];
      const input = { ...extra, ...target.valid, [field]: value };
      const service = crm[target.service];
      const attempt =
        operation === 'create'
          ? service.create(input as never)
          : service.update(ids[target.service]!, { [field]: value } as never, { expectedVersion: 1 });
      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof ValidationError, `${operation} ${field}: ${String(error)}`);
        assert.ok(
          error.fields.some((path) => path === field || path.startsWith(`${field}.`)),
          `${operation} ${field}=${JSON.stringify(value)} named ${error.fields.join(', ')}`,
        );
        return true;
      });
      refused++;
    }),
    { numRuns: 10_000 },
  );
  assert.equal(refused, 10_000);
  assert.equal(canonicalJson(await storage.exportSnapshot()), snapshot);
});

test('__proto__, constructor and prototype keys are refused by name, poison nothing and are never stored', async () => {
  const { crm, storage, ids, snapshot } = await world();
  const hostile = JSON.parse(
    '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}}',
  ) as Record<string, unknown>;
  // Leads are de-duplicated by email: each create here is another person.
  let person = 0;
  const unique = (target: Target) =>
    target.service === 'leads' ? { ...target.valid, email: `person${++person}@example.com` } : target.valid;
  const refusedByName = (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual([...error.fields].sort(), ['__proto__', 'constructor', 'prototype']);
    return true;
  };
  for (const target of targets) {
    await assert.rejects(crm[target.service].create({ ...hostile, ...unique(target) } as never), refusedByName);
    await assert.rejects(
      crm[target.service].update(ids[target.service]!, { ...hostile } as never, { expectedVersion: 1 }),
      refusedByName,
    );
  }
  assert.equal(canonicalJson(await storage.exportSnapshot()), snapshot);
  for (const target of targets) {
    // A `__proto__` custom field is either refused by name or dropped; it is never stored.
    const customFields = JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1}') as Record<string, unknown>;
    const outcome = await crm[target.service].create({ ...unique(target), customFields } as never).then(
      (record) => JSON.stringify(record),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        return 'refused';
      },
    );
    assert.ok(!outcome.includes('polluted'), outcome);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
});
