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

test('activity edges: at now counts, a millisecond later does not; exactly withinDays old counts; bad dates are ignored', () => {
  const rule: ScoringModel = {
    rules: [{ id: 'calls', kind: 'activity', points: 5, withinDays: 30 }],
  };
  const at = (ms: number) => ({ occurredAt: new Date(NOW.getTime() - ms).toISOString() });
  const points = (activities: { occurredAt: string }[]) => scoreLead({}, activities, rule, NOW).contributions[0];
  assert.deepEqual(points([at(0)]), { ruleId: 'calls', kind: 'activity', points: 5, matched: 1 });
  assert.deepEqual(points([at(-1)]), { ruleId: 'calls', kind: 'activity', points: 0, matched: 0 });
  assert.equal(points([at(30 * 86_400_000)])?.matched, 1, 'exactly 30 days old');
  assert.equal(points([at(30 * 86_400_000 + 1)])?.matched, 0);
  assert.equal(points([{ occurredAt: 'last week' }, at(0)])?.matched, 1);
});

test('half-life: an activity one half-life old is worth half; negative points are capped at −maxPoints', () => {
  const decaying: ScoringModel = {
    rules: [
      { id: 'visits', kind: 'activity', points: 8, halfLifeDays: 10 },
      {
        id: 'complaints',
        kind: 'activity',
        when: { field: 'type', op: 'eq', value: 'complaint' },
        points: -20,
        maxPoints: 25,
      },
    ],
  };
  const score = scoreLead(
    {},
    [
      { type: 'visit', occurredAt: daysAgo(10) },
      { type: 'visit', occurredAt: daysAgo(20) },
      { type: 'complaint', occurredAt: daysAgo(1) },
      { type: 'complaint', occurredAt: daysAgo(2) },
    ],
    decaying,
    NOW,
  );
  // Visits: every activity counts (no `when`): 4 + 2 + two complaints at 8×2^(−0.1) ≈ 7.46 and 8×2^(−0.2) ≈ 6.96: 20.4 → 20.
  assert.deepEqual(score.contributions, [
    { ruleId: 'visits', kind: 'activity', points: 20, matched: 4 },
    { ruleId: 'complaints', kind: 'activity', points: -25, matched: 2 },
  ]);
  assert.equal(score.score, -5);
});

test('points are whole numbers, never −0; min and max equal pin the score; min above max is refused at max', () => {
  const fractional: ScoringModel = {
    rules: [
      { id: 'half', kind: 'attribute', when: { field: 'a', op: 'exists', value: true }, points: 2.5 },
      { id: 'tiny', kind: 'activity', points: -0.4 },
    ],
  };
  const score = scoreLead({ a: 1 }, [{ occurredAt: daysAgo(1) }], fractional, NOW);
  assert.equal(score.contributions[0]?.points, 3);
  assert.ok(Object.is(score.contributions[1]?.points, 0), 'a contribution rounded from −0.4 is 0, not −0');
  assert.equal(scoreLead({}, [], { ...fractional, min: 7, max: 7 }, NOW).score, 7);
  assert.throws(
    () => parseScoringModel({ ...fractional, min: 8, max: 7 }),
    (error: unknown) =>
      error instanceof ValidationError && error.fields.join() === 'max' && /scoring model/.test(error.message),
  );
});

test('rule ids: a letter then up to 63 more; points within ±1000; ids unique', () => {
  const attribute = (id: string, points = 1) => ({
    id,
    kind: 'attribute' as const,
    when: { field: 'a', op: 'exists' as const, value: true },
    points,
  });
  assert.doesNotThrow(() =>
    parseScoringModel({ rules: [attribute(`a${'b'.repeat(63)}`, 1000), attribute('x-1.y_2', -1000)] }),
  );
  for (const [rules, field] of [
    [[attribute(`a${'b'.repeat(64)}`)], 'rules.0.id'],
    [[attribute('1a')], 'rules.0.id'],
    [[attribute('a', 1001)], 'rules.0.points'],
    [[attribute('a', -1001)], 'rules.0.points'],
    [[attribute('a'), attribute('b'), attribute('a')], 'rules.2.id'],
  ] as const) {
    assert.throws(
      () => parseScoringModel({ rules }),
      (error: unknown) => error instanceof ValidationError && error.fields.join() === field,
      field,
    );
  }
  // A validated model is parsed once: the same object gives the same result.
  const once = { rules: [attribute('a')] };
  assert.equal(parseScoringModel(once), parseScoringModel(once));
});

test('scoringFields lists the attribute rules’ fields once each, sorted; activity rules add none', () => {
  assert.deepEqual(
    scoringFields({
      rules: [
        {
          id: 'z',
          kind: 'attribute',
          when: {
            all: [
              { field: 'zone', op: 'exists', value: true },
              { field: 'age', op: 'gt', value: 1 },
            ],
          },
          points: 1,
        },
        { id: 'a', kind: 'attribute', when: { field: 'age', op: 'lt', value: 9 }, points: 1 },
        { id: 'act', kind: 'activity', when: { field: 'type', op: 'eq', value: 'call' }, points: 1 },
      ],
    }),
    ['age', 'zone'],
  );
});
