import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '@crmkit/core';
import {
  DEFAULT_SCORING_MODEL,
  parseScoringModel,
  scoreLead,
  scoringFields,
  type ScoringModel,
} from '../src/leads/index.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

const model: ScoringModel = {
  rules: [
    {
      id: 'enterprise',
      kind: 'attribute',
      when: { field: 'industry', op: 'in', values: ['finance', 'telecom'] },
      points: 20,
    },
    { id: 'freemail', kind: 'attribute', when: { field: 'email', op: 'contains', value: '@gmail.' }, points: -10 },
    {
      id: 'visits',
      kind: 'activity',
      when: { field: 'type', op: 'eq', value: 'web_visit' },
      points: 4,
      halfLifeDays: 7,
      maxPoints: 10,
    },
    { id: 'calls', kind: 'activity', when: { field: 'type', op: 'eq', value: 'call' }, points: 5, withinDays: 30 },
    {
      id: 'recentlyCreated',
      kind: 'attribute',
      when: { field: 'createdAt', op: 'withinLast', amount: 2, unit: 'days' },
      points: 3,
    },
  ],
};

test('attribute rules give their points when the lead matches; the explanation lists every rule in order', () => {
  const score = scoreLead({ industry: 'finance', email: 'a@gmail.com', createdAt: daysAgo(1) }, [], model, NOW);
  assert.deepEqual(score, {
    score: 13,
    contributions: [
      { ruleId: 'enterprise', kind: 'attribute', points: 20, matched: 1 },
      { ruleId: 'freemail', kind: 'attribute', points: -10, matched: 1 },
      { ruleId: 'visits', kind: 'activity', points: 0, matched: 0 },
      { ruleId: 'calls', kind: 'activity', points: 0, matched: 0 },
      { ruleId: 'recentlyCreated', kind: 'attribute', points: 3, matched: 1 },
    ],
  });
  assert.equal(scoreLead({ createdAt: daysAgo(3) }, [], model, NOW).score, 0, 'relative conditions use now');
});

test('activity rules decay with a half-life, are capped, and ignore activities out of window or in the future', () => {
  const activities = [
    { type: 'web_visit', occurredAt: daysAgo(0) }, // 4
    { type: 'web_visit', occurredAt: daysAgo(7) }, // 2
    { type: 'web_visit', occurredAt: daysAgo(14) }, // 1
    { type: 'web_visit', occurredAt: daysAgo(-1) }, // future: ignored
    { type: 'call', occurredAt: daysAgo(29) }, // 5
    { type: 'call', occurredAt: daysAgo(31) }, // out of window
    { type: 'email', occurredAt: daysAgo(0) }, // no rule
  ];
  const score = scoreLead({}, activities, model, NOW);
  assert.deepEqual(
    score.contributions.filter((c) => c.kind === 'activity'),
    [
      { ruleId: 'visits', kind: 'activity', points: 7, matched: 3 },
      { ruleId: 'calls', kind: 'activity', points: 5, matched: 1 },
    ],
  );
  const many = Array.from({ length: 10 }, () => ({ type: 'web_visit', occurredAt: daysAgo(0) }));
  assert.equal(scoreLead({}, many, model, NOW).contributions[2]?.points, 10, 'capped at maxPoints');
  // The same lead scores less as time passes: recency decay.
  const later = new Date(NOW.getTime() + 14 * 86_400_000);
  assert.equal(scoreLead({}, activities.slice(0, 1), model, later).contributions[2]?.points, 1);
});

test('min and max clamp the total', () => {
  const clamped: ScoringModel = { ...model, min: 0, max: 15 };
  assert.equal(scoreLead({ email: 'x@gmail.com' }, [], clamped, NOW).score, 0);
  assert.equal(scoreLead({ industry: 'telecom' }, [], clamped, NOW).score, 15);
});

test('the default model scores contact data, company, referral and engagement within 0..100', () => {
  const score = scoreLead(
    { email: 'a@b.co', phone: '+8613800138000', company: 'Acme', source: 'referral' },
    [{ direction: 'inbound', type: 'email', occurredAt: daysAgo(0) }],
    DEFAULT_SCORING_MODEL,
    NOW,
  );
  assert.equal(score.score, 50);
  assert.deepEqual(scoringFields(DEFAULT_SCORING_MODEL), ['company', 'email', 'phone', 'source']);
});

test('a bad model is a ValidationError naming the rule and field', () => {
  assert.throws(
    () =>
      parseScoringModel({
        rules: [
          { id: 'a', kind: 'attribute', when: { field: 'x', op: 'nope' }, points: 1 },
          { id: 'a', kind: 'activity', points: 1, halfLifeDays: -1 },
        ],
        min: 5,
        max: 1,
      }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields.sort(), ['rules.0.when.op', 'rules.1.halfLifeDays']);
      return true;
    },
  );
  assert.throws(() => parseScoringModel({ rules: [], min: 5, max: 1 }), /max: Must not be less than min/);
  assert.throws(
    () =>
      parseScoringModel({
        rules: [
          { id: 'a', kind: 'attribute', when: { field: 'x', op: 'exists', value: true }, points: 1 },
          { id: 'a', kind: 'attribute', when: { field: 'x', op: 'exists', value: true }, points: 1 },
        ],
      }),
    /rules\.1\.id: Duplicate rule id/,
  );
});

test('property: the score is the clamped sum of the explained points, and deterministic', () => {
  fc.assert(
    fc.property(
      fc.record({
        industry: fc.constantFrom('finance', 'retail', undefined),
        email: fc.constantFrom('a@gmail.com', 'b@corp.cn'),
      }),
      fc.array(
        fc.record({
          type: fc.constantFrom('web_visit', 'call', 'email'),
          occurredAt: fc.integer({ min: -5, max: 60 }).map(daysAgo),
        }),
        { maxLength: 20 },
      ),
      (lead, activities) => {
        const first = scoreLead(lead, activities, model, NOW);
        assert.deepEqual(scoreLead(lead, activities, model, NOW), first);
        assert.equal(
          first.score,
          first.contributions.reduce((sum, c) => sum + c.points, 0),
        );
        for (const contribution of first.contributions) assert.ok(Number.isInteger(contribution.points));
      },
    ),
  );
});
