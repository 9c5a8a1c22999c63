import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStageGate, type Filter } from '@crmkit/core';

test('no gate: every deal passes', () => {
  assert.deepEqual(checkStageGate({}, {}), { passed: true, missingFields: [], failedConditions: [] });
});

test('required fields: missing, null, blank text, empty lists and empty objects are not filled in', () => {
  const gate = {
    requiredFields: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'nested.k', 'nested.l'],
  };
  const deal = {
    b: null,
    c: '  ',
    d: [],
    e: {},
    f: 'x',
    g: 0,
    h: false,
    i: [0],
    j: { k: 1 },
    nested: { k: '', l: 'y' },
  };
  assert.deepEqual(checkStageGate(deal, { gate }), {
    passed: false,
    missingFields: ['a', 'b', 'c', 'd', 'e', 'nested.k'],
    failedConditions: [],
  });
  assert.deepEqual(checkStageGate({ a: 1, b: 'x' }, { gate: { requiredFields: ['a', 'b'] } }), {
    passed: true,
    missingFields: [],
    failedConditions: [],
  });
});

test('conditions: a top-level all is reported child by child with its fields, anything else as (root)', () => {
  const conditions: Filter = {
    all: [
      { field: 'amount.amountMinor', op: 'gt', value: 0 },
      { field: 'customFields.approved', op: 'eq', value: true },
      {
        any: [
          { field: 'source', op: 'eq', value: 'web' },
          { field: 'ownerId', op: 'exists', value: true },
        ],
      },
    ],
  };
  const deal = { amount: { amountMinor: 0 }, customFields: { approved: true }, source: 'fair' };
  assert.deepEqual(checkStageGate(deal, { gate: { requiredFields: [], conditions } }), {
    passed: false,
    missingFields: [],
    failedConditions: [
      { path: 'all.0', fields: ['amount.amountMinor'] },
      { path: 'all.2', fields: ['source', 'ownerId'] },
    ],
  });
  const root: Filter = { not: { field: 'source', op: 'eq', value: 'fair' } };
  assert.deepEqual(checkStageGate(deal, { gate: { requiredFields: ['lostReason'], conditions: root } }), {
    passed: false,
    missingFields: ['lostReason'],
    failedConditions: [{ path: '(root)', fields: ['source'] }],
  });
  assert.equal(checkStageGate({ source: 'web' }, { gate: { requiredFields: [], conditions: root } }).passed, true);
});

test('time-relative conditions count back from options.now on every check, nested anywhere', () => {
  const recent = { field: 'updatedAt', op: 'withinLast', amount: 7, unit: 'days' } as const;
  const deal = { updatedAt: '2026-01-10T00:00:00.000Z', ok: true };
  for (const conditions of [
    recent,
    { not: { not: recent } },
    { any: [{ field: 'none', op: 'exists', value: true }, recent] },
    { any: [{ all: [recent, { field: 'ok', op: 'eq', value: true }] }] },
    { not: { field: 'updatedAt', op: 'olderThan', amount: 7, unit: 'days' } },
  ] as Filter[]) {
    const gate = { gate: { requiredFields: [], conditions } };
    assert.equal(checkStageGate(deal, gate, { now: new Date('2026-01-12T00:00:00.000Z') }).passed, true);
    assert.equal(checkStageGate(deal, gate, { now: new Date('2026-01-20T00:00:00.000Z') }).passed, false);
    assert.equal(checkStageGate(deal, gate, { now: new Date('2026-01-16T00:00:00.000Z') }).passed, true);
  }
  const older = { all: [{ field: 'updatedAt', op: 'olderThan', amount: 1, unit: 'days' }] } as Filter;
  assert.equal(checkStageGate(deal, { gate: { requiredFields: [], conditions: older } }).passed, true, 'system clock');
  // A condition that does not read the clock is compiled once and reused.
  const plain: Filter = { field: 'ok', op: 'eq', value: true };
  assert.equal(checkStageGate(deal, { gate: { requiredFields: [], conditions: plain } }).passed, true);
  assert.equal(checkStageGate({ ok: false }, { gate: { requiredFields: [], conditions: plain } }).passed, false);
});
