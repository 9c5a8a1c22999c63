import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@crmkit/core';
import {
  DEFAULT_LIFECYCLE,
  DEFAULT_LIFECYCLE_STAGES,
  evaluateLifecycle,
  parseLifecycleConfig,
  type LifecycleTrigger,
} from '../src/lifecycle/index.js';
import { emptyStats, type CustomerStats } from '../src/segments/index.js';

const NOW = new Date('2026-06-30T00:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString();

function decide(stage: string, trigger: LifecycleTrigger, stats: Partial<CustomerStats>) {
  return evaluateLifecycle({
    config: DEFAULT_LIFECYCLE,
    trigger,
    customer: { lifecycleStage: stage },
    stats: { ...emptyStats('c1'), ...stats },
    now: NOW,
  });
}

test('default stages: nine, in forward order, named in en and zh-CN', () => {
  assert.deepEqual(
    DEFAULT_LIFECYCLE_STAGES.map((stage) => stage.id),
    ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'evangelist', 'at_risk', 'churned'],
  );
  assert.equal(DEFAULT_LIFECYCLE_STAGES.find((stage) => stage.id === 'customer')?.name['zh-CN'], '客户');
});

test('rule first-won-deal: a first won deal makes a lead a customer', () => {
  assert.deepEqual(decide('lead', 'deal.won', { wonDeals: 1 }), {
    from: 'lead',
    to: 'customer',
    ruleId: 'first-won-deal',
  });
  assert.equal(decide('lead', 'deal.won', { wonDeals: 0 }), undefined);
  // Forward-only: an evangelist stays one.
  assert.equal(decide('evangelist', 'deal.won', { wonDeals: 3 }), undefined);
});

test('rule won-again: the explicit backward exception from at-risk or churned', () => {
  assert.deepEqual(decide('at_risk', 'deal.won', { wonDeals: 2 }), {
    from: 'at_risk',
    to: 'customer',
    ruleId: 'won-again',
  });
  assert.deepEqual(decide('churned', 'deal.won', { wonDeals: 2 }), {
    from: 'churned',
    to: 'customer',
    ruleId: 'won-again',
  });
});

test('rule open-deal: an open deal makes an SQL an opportunity, never a customer an opportunity', () => {
  assert.deepEqual(decide('sql', 'deal.created', { openDeals: 1 }), {
    from: 'sql',
    to: 'opportunity',
    ruleId: 'open-deal',
  });
  assert.equal(decide('customer', 'deal.created', { openDeals: 1 }), undefined);
});

test('rules at-risk and churned: no purchase in 90 / 365 days, on the sweep only', () => {
  assert.deepEqual(decide('customer', 'sweep', { lastPurchaseAt: ago(91) }), {
    from: 'customer',
    to: 'at_risk',
    ruleId: 'at-risk',
  });
  assert.equal(decide('customer', 'sweep', { lastPurchaseAt: ago(89) }), undefined);
  assert.deepEqual(decide('at_risk', 'sweep', { lastPurchaseAt: ago(400) }), {
    from: 'at_risk',
    to: 'churned',
    ruleId: 'churned',
  });
  assert.deepEqual(decide('customer', 'sweep', { lastPurchaseAt: ago(400) }), {
    from: 'customer',
    to: 'churned',
    ruleId: 'churned',
  });
  assert.equal(decide('customer', 'activity.created', { lastPurchaseAt: ago(400) }), undefined);
  // `from` restricts: a lead is never "at risk".
  assert.equal(decide('lead', 'sweep', { lastPurchaseAt: ago(400) }), undefined);
});

test('conditions may read the customer too, and configured stages replace the defaults', () => {
  const config = parseLifecycleConfig({
    stages: [
      { id: 'new', name: { en: 'New', 'zh-CN': '新' }, order: 0 },
      { id: 'vip', name: { en: 'VIP', 'zh-CN': '贵宾' }, order: 1 },
    ],
    rules: [
      { id: 'vip-tag', on: ['activity.created'], when: { field: 'tags', op: 'hasAny', values: ['vip'] }, to: 'vip' },
    ],
  });
  const move = evaluateLifecycle({
    config,
    trigger: 'activity.created',
    customer: { lifecycleStage: 'new', tags: ['vip'] },
    stats: undefined,
    now: NOW,
  });
  assert.deepEqual(move, { from: 'new', to: 'vip', ruleId: 'vip-tag' });
  // Backward without the exception never fires.
  const back = parseLifecycleConfig({ ...config, rules: [{ id: 'down', on: ['sweep'], to: 'new' }] });
  assert.equal(
    evaluateLifecycle({
      config: back,
      trigger: 'sweep',
      customer: { lifecycleStage: 'vip' },
      stats: undefined,
      now: NOW,
    }),
    undefined,
  );
});

test('a bad configuration is a ValidationError naming the field', () => {
  assert.throws(
    () =>
      parseLifecycleConfig({ stages: DEFAULT_LIFECYCLE_STAGES, rules: [{ id: 'x', on: ['sweep'], to: 'nowhere' }] }),
    (error: unknown) =>
      error instanceof ValidationError && error.issues.some((issue) => issue.path.join('.') === 'rules.0.to'),
  );
  assert.throws(
    () => parseLifecycleConfig({ stages: DEFAULT_LIFECYCLE_STAGES, rules: [{ id: 'x', on: ['tuesday'], to: 'lead' }] }),
    ValidationError,
  );
});
