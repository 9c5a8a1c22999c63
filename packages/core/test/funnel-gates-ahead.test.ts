import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PIPELINE, gatesAhead, stageGateFields, type Stage } from '@crmkit/core';

const stages = DEFAULT_PIPELINE.stages;

test('stageGateFields: required fields, then the fields the conditions test, each once; none without a gate', () => {
  assert.deepEqual(stageGateFields(stages[0]!), []);
  assert.deepEqual(stageGateFields(stages[1]!), ['expectedCloseDate', 'amount.amountMinor']);
  assert.deepEqual(
    stageGateFields({
      gate: {
        requiredFields: ['ownerId', 'amount.amountMinor'],
        conditions: {
          all: [
            { field: 'amount.amountMinor', op: 'gt', value: 0 },
            { not: { field: 'source', op: 'eq', value: 'x' } },
            { any: [{ field: 'customFields.region', op: 'exists', value: true }] },
          ],
        },
      },
    }),
    ['ownerId', 'amount.amountMinor', 'source', 'customFields.region'],
  );
});

test('gatesAhead: a deal created in the first stage meets the next open stage’s gate on its first move', () => {
  const draft = { title: 'Deal', amount: { amountMinor: 0, currency: 'CNY' } };
  const ahead = gatesAhead(draft, stages, 'opportunity');
  assert.equal(ahead.length, 1);
  assert.equal(ahead[0]!.stage.id, 'proposal');
  assert.equal(ahead[0]!.step, 'next');
  assert.deepEqual(ahead[0]!.fields, ['expectedCloseDate', 'amount.amountMinor']);
  assert.equal(ahead[0]!.result.passed, false);
  assert.deepEqual(ahead[0]!.result.missingFields, ['expectedCloseDate']);
  assert.deepEqual(ahead[0]!.result.failedConditions, [{ path: '(root)', fields: ['amount.amountMinor'] }]);

  const ready = gatesAhead(
    { ...draft, amount: { amountMinor: 100, currency: 'CNY' }, expectedCloseDate: '2025-06-30' },
    stages,
    'opportunity',
  );
  assert.equal(ready[0]!.result.passed, true);
});

test('gatesAhead: the stage entered comes first; closing stages are not a next step; unknown stages give none', () => {
  const gated: Stage[] = [
    { id: 'a', name: { en: 'A', 'zh-CN': 'A' }, probability: 0.1, kind: 'open', gate: { requiredFields: ['ownerId'] } },
    {
      id: 'lost',
      name: { en: 'Lost', 'zh-CN': 'Lost' },
      probability: 0,
      kind: 'lost',
      gate: { requiredFields: ['lostReason'] },
    },
    { id: 'b', name: { en: 'B', 'zh-CN': 'B' }, probability: 0.5, kind: 'open', gate: { requiredFields: ['source'] } },
    {
      id: 'won',
      name: { en: 'Won', 'zh-CN': 'Won' },
      probability: 1,
      kind: 'won',
      gate: { requiredFields: ['closedAt'] },
    },
  ];
  assert.deepEqual(
    gatesAhead({}, gated, 'a').map((gate) => [gate.stage.id, gate.step, gate.result.missingFields]),
    [
      ['a', 'enter', ['ownerId']],
      ['b', 'next', ['source']],
    ],
  );
  // The last open stage: only its own gate (won and lost are closing moves, not the next step).
  assert.deepEqual(
    gatesAhead({ source: 'web' }, gated, 'b').map((gate) => [gate.stage.id, gate.step, gate.result.passed]),
    [['b', 'enter', true]],
  );
  assert.deepEqual(gatesAhead({}, gated, 'nope'), []);
  assert.deepEqual(gatesAhead({}, stages, 'proposal'), [
    {
      stage: stages[1],
      step: 'enter',
      fields: ['expectedCloseDate', 'amount.amountMinor'],
      result: gatesAhead({}, stages, 'proposal')[0]!.result,
    },
  ]);
});
