import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '@crmkit/core';
import {
  decideAssignment,
  explicitAssignment,
  ineligibility,
  parseAssignmentConfig,
  type AssignmentCandidate,
  type AssignmentConfig,
  type PoolStrategy,
  type RotationState,
} from '../src/leads/index.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');

const rep = (id: string, extra: Partial<AssignmentCandidate> = {}): AssignmentCandidate => ({
  id,
  active: true,
  openLeads: 0,
  ...extra,
});

/** Assigns `n` leads in turn, persisting state and counting open leads, like the service does. */
function run(
  n: number,
  candidates: AssignmentCandidate[],
  config: AssignmentConfig = {},
  leads: (i: number) => object = () => ({}),
  change: (i: number, reps: AssignmentCandidate[]) => AssignmentCandidate[] = (_i, reps) => reps,
) {
  let states: Record<string, RotationState> = {};
  let reps = candidates;
  const picks: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    reps = change(i, reps);
    const { decision, states: changed } = decideAssignment({
      lead: leads(i),
      candidates: reps,
      config,
      states,
      now: NOW,
    });
    states = { ...states, ...changed };
    picks.push(decision.ownerId);
    reps = reps.map((r) => (r.id === decision.ownerId ? { ...r, openLeads: r.openLeads + 1 } : r));
  }
  return { picks, states, reps };
}

test('round-robin rotates in pool order', () => {
  const { picks } = run(7, [rep('a'), rep('b'), rep('c')]);
  assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  const ordered = run(4, [rep('a'), rep('b'), rep('c')], { repIds: ['c', 'a'] });
  assert.deepEqual(ordered.picks, ['c', 'a', 'c', 'a'], 'the configured pool and its order');
});

test('round-robin skips inactive reps, and a returning rep gets no burst of catch-up leads', () => {
  const { picks } = run(12, [rep('a'), rep('b'), rep('c')], {}, undefined, (i, reps) =>
    reps.map((r) => (r.id === 'c' ? { ...r, active: i < 3 || i >= 9 } : r)),
  );
  assert.deepEqual(picks.slice(0, 3), ['a', 'b', 'c']);
  assert.ok(!picks.slice(3, 9).includes('c'), 'skipped while inactive');
  assert.deepEqual(picks.slice(3, 9), ['a', 'b', 'a', 'b', 'a', 'b']);
  const afterReturn = picks.slice(9);
  assert.equal(afterReturn.filter((p) => p === 'c').length, 1, 'one turn per round after returning, not three');
});

test('the decision carries its reason: strategy, code, state key, skipped reps and a summary of ids', () => {
  const { decision, states } = decideAssignment({
    lead: {},
    candidates: [rep('a', { active: false }), rep('b', { capacity: 1, openLeads: 1 }), rep('c')],
    config: { repIds: ['a', 'b', 'c', 'ghost'] },
    now: NOW,
  });
  assert.deepEqual(decision, {
    ownerId: 'c',
    strategy: 'roundRobin',
    code: 'rotation',
    stateKey: 'default',
    exhaustedRuleIds: [],
    skipped: [
      { repId: 'a', reason: 'inactive' },
      { repId: 'b', reason: 'at_capacity' },
      { repId: 'ghost', reason: 'unknown' },
    ],
    summary: 'default pool: round-robin picked c; skipped a (inactive), b (at capacity), ghost (unknown)',
  });
  assert.deepEqual(states, { default: { passes: { c: 1 }, globalPass: 0 } });
});

test('nobody eligible: no owner, code no_eligible_rep, state untouched', () => {
  const { decision, states } = decideAssignment({
    lead: {},
    candidates: [rep('a', { active: false }), rep('b', { capacity: 0 })],
    now: NOW,
  });
  assert.equal(decision.ownerId, undefined);
  assert.equal(decision.code, 'no_eligible_rep');
  assert.equal(decision.strategy, 'none');
  assert.deepEqual(states, {});
  assert.match(decision.summary, /no eligible rep; skipped a \(inactive\), b \(at capacity\)/);
});

test('weighted round-robin shares leads in proportion to the weights; weight 0 gets none', () => {
  const config: AssignmentConfig = { strategy: { kind: 'weighted', weights: { a: 3, b: 1, z: 0 } } };
  const { picks } = run(40, [rep('a'), rep('b'), rep('c'), rep('z')], config);
  const count = (id: string) => picks.filter((p) => p === id).length;
  assert.deepEqual([count('a'), count('b'), count('c'), count('z')], [24, 8, 8, 0], 'c has the default weight 1');
  assert.deepEqual(picks.slice(0, 5), ['a', 'b', 'c', 'a', 'a']);
});

test('least loaded picks the fewest open leads, then the most capacity left, then pool order', () => {
  const decide = (candidates: AssignmentCandidate[]) =>
    decideAssignment({ lead: {}, candidates, config: { strategy: { kind: 'leastLoaded' } }, now: NOW }).decision;
  const fewest = decide([
    rep('a', { openLeads: 5, capacity: 10 }),
    rep('b', { openLeads: 3, capacity: 4 }),
    rep('c', { openLeads: 4 }),
  ]);
  assert.deepEqual([fewest.ownerId, fewest.code, fewest.strategy], ['b', 'least_loaded', 'leastLoaded']);
  assert.equal(decide([rep('a', { openLeads: 2, capacity: 4 }), rep('b', { openLeads: 2, capacity: 9 })]).ownerId, 'b');
  assert.equal(decide([rep('a', { openLeads: 2, capacity: 4 }), rep('b', { openLeads: 2 })]).ownerId, 'b', 'no limit');
  assert.equal(decide([rep('a', { openLeads: 1 }), rep('b', { openLeads: 1 })]).ownerId, 'a');
});

test('rules route by territory, source, industry and language; first match with an eligible rep wins', () => {
  const config: AssignmentConfig = {
    rules: [
      { id: 'north', when: { field: 'territory', op: 'eq', value: 'north' }, repIds: ['n1', 'n2'] },
      { id: 'partners', when: { field: 'source', op: 'eq', value: 'partner' }, repIds: ['p1'] },
      {
        id: 'fsiChinese',
        when: {
          all: [
            { field: 'industry', op: 'eq', value: 'finance' },
            { field: 'language', op: 'startsWith', value: 'zh' },
          ],
        },
        repIds: ['z1'],
        strategy: { kind: 'leastLoaded' },
      },
    ],
    repIds: ['d1'],
  };
  const candidates = ['n1', 'n2', 'p1', 'z1', 'd1'].map((id) => rep(id));
  const decide = (lead: object, reps = candidates, states = {}) =>
    decideAssignment({ lead, candidates: reps, config, states, now: NOW });

  const north = decide({ territory: 'north', source: 'partner' });
  assert.deepEqual(
    [north.decision.ownerId, north.decision.ruleId, north.decision.stateKey],
    ['n1', 'north', 'rule:north'],
  );
  const north2 = decide({ territory: 'north' }, candidates, north.states);
  assert.equal(north2.decision.ownerId, 'n2', 'each rule has its own rotation');
  assert.equal(decide({ source: 'partner' }).decision.ownerId, 'p1');
  const fsi = decide({ industry: 'finance', language: 'zh-CN' });
  assert.deepEqual([fsi.decision.ownerId, fsi.decision.code], ['z1', 'least_loaded']);
  assert.equal(decide({ industry: 'finance', language: 'en' }).decision.ownerId, 'd1', 'no rule: the default pool');

  // The partner rep is away: the rule is exhausted and the next match (or the default pool) takes the lead.
  const away = candidates.map((r) => (r.id === 'p1' ? { ...r, active: false } : r));
  const fallback = decide({ source: 'partner' }, away);
  assert.equal(fallback.decision.ownerId, 'd1');
  assert.deepEqual(fallback.decision.exhaustedRuleIds, ['partners']);
  assert.match(
    fallback.decision.summary,
    /default pool: round-robin picked d1; rules without an eligible rep: partners/,
  );
});

test('explicit owners', () => {
  assert.deepEqual(explicitAssignment('u1'), {
    ownerId: 'u1',
    strategy: 'explicit',
    code: 'explicit',
    exhaustedRuleIds: [],
    skipped: [],
    summary: 'owner u1 named explicitly',
  });
});

test('bad configurations are ValidationErrors naming the option', () => {
  assert.throws(
    () =>
      parseAssignmentConfig({
        repIds: ['a', 'a'],
        strategy: { kind: 'weighted', weights: { a: -1 } },
        rules: [{ id: '1bad', when: { field: 'x' }, repIds: [] }],
      }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual([...new Set(error.fields)].sort(), [
        'repIds',
        'rules.0.id',
        'rules.0.repIds',
        'rules.0.when',
        'strategy.weights.a',
      ]);
      return true;
    },
  );
});

test('inherited property names are never weights or passes', () => {
  const { decision } = decideAssignment({
    lead: {},
    candidates: [rep('toString'), rep('constructor')],
    config: { strategy: { kind: 'weighted', weights: {} } },
    now: NOW,
  });
  assert.equal(decision.ownerId, 'constructor');
});

const candidateArb = fc.record({
  id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6'),
  active: fc.boolean(),
  capacity: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  openLeads: fc.integer({ min: 0, max: 6 }),
});

const strategyArb: fc.Arbitrary<PoolStrategy> = fc.oneof(
  fc.constant({ kind: 'roundRobin' as const }),
  fc.constant({ kind: 'leastLoaded' as const }),
  fc.dictionary(fc.constantFrom('r1', 'r2', 'r3', 'r4'), fc.integer({ min: 0, max: 5 })).map((weights) => ({
    kind: 'weighted' as const,
    weights,
  })),
);

test('property: assignment never picks an inactive or over-capacity rep, whatever the strategy, rules and state', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(candidateArb, { selector: (c) => c.id, maxLength: 6 }),
      strategyArb,
      fc.array(
        fc.record({
          id: fc.constantFrom('x', 'y', 'z'),
          territory: fc.constantFrom('north', 'south'),
          repIds: fc.uniqueArray(fc.constantFrom('r1', 'r2', 'r3', 'r7'), { minLength: 1 }),
          strategy: strategyArb,
        }),
        { maxLength: 3 },
      ),
      fc.constantFrom('north', 'south'),
      fc.integer({ min: 1, max: 30 }),
      (candidates, strategy, rawRules, territory, n) => {
        const rules = rawRules
          .filter((rule, i) => rawRules.findIndex((r) => r.id === rule.id) === i)
          .map(({ territory: value, ...rule }) => ({
            ...rule,
            when: { field: 'territory', op: 'eq' as const, value },
          }));
        const config = parseAssignmentConfig({ strategy, rules });
        const { picks } = run(
          n,
          candidates,
          config,
          () => ({ territory }),
          (_i, reps) => reps,
        );
        // Replay, checking each pick against the reps as they were at that moment.
        let reps = candidates;
        for (const pick of picks) {
          if (pick !== undefined) {
            const chosen = reps.find((r) => r.id === pick);
            assert.equal(ineligibility(chosen), undefined, `picked ${pick} while ${ineligibility(chosen)}`);
          } else {
            // Nobody picked: then nobody in the default pool (every candidate) was eligible with a non-zero weight.
            const weight = (id: string) => (strategy.kind === 'weighted' ? (strategy.weights[id] ?? 1) : 1);
            for (const r of reps)
              assert.ok(ineligibility(r) !== undefined || weight(r.id) === 0, `${r.id} was eligible`);
          }
          reps = reps.map((r) => (r.id === pick ? { ...r, openLeads: r.openLeads + 1 } : r));
        }
      },
    ),
  );
});

test('property: round-robin spreads N leads within one of equal among always-eligible reps', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 200 }), (repCount, n) => {
      const reps = Array.from({ length: repCount }, (_, i) => rep(`r${i}`));
      const { picks } = run(n, reps);
      const counts = reps.map((r) => picks.filter((p) => p === r.id).length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        n,
      );
    }),
  );
});

test('property: round-robin stays within one of equal among the reps active throughout, with others coming and going', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 5 }),
      fc.array(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 120 }),
      (steady, flicker) => {
        const reps = [
          ...Array.from({ length: steady }, (_, i) => rep(`s${i}`)),
          ...['f0', 'f1', 'f2'].map((id) => rep(id)),
        ];
        const { picks } = run(flicker.length, reps, {}, undefined, (i, current) =>
          current.map((r) => (r.id.startsWith('f') ? { ...r, active: flicker[i]![Number(r.id[1])]! } : r)),
        );
        const counts = reps.filter((r) => r.id.startsWith('s')).map((r) => picks.filter((p) => p === r.id).length);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
      },
    ),
  );
});

test('capacity: one below it is eligible, at it is not; zero weights are skipped by name', () => {
  assert.equal(ineligibility(rep('a', { capacity: 3, openLeads: 2 })), undefined);
  assert.equal(ineligibility(rep('a', { capacity: 3, openLeads: 3 })), 'at_capacity');
  assert.equal(ineligibility(rep('a', { active: false, capacity: 3, openLeads: 3 })), 'inactive');
  assert.equal(ineligibility(undefined), 'unknown');
  const { decision } = decideAssignment({
    lead: {},
    candidates: [rep('b'), rep('a')],
    config: { strategy: { kind: 'weighted', weights: { a: 0, b: 0 } } },
    now: NOW,
  });
  assert.deepEqual(decision, {
    strategy: 'none',
    code: 'no_eligible_rep',
    exhaustedRuleIds: [],
    skipped: [
      { repId: 'a', reason: 'zero_weight' },
      { repId: 'b', reason: 'zero_weight' },
    ],
    summary: 'no eligible rep; skipped a (zero weight), b (zero weight)',
  });
});

test('a rule pool keeps its own rotation state; exhausted rules are named in the decision and its summary', () => {
  const config: AssignmentConfig = {
    rules: [
      { id: 'cn', when: { field: 'country', op: 'eq', value: 'CN' }, repIds: ['x'] },
      { id: 'all', when: { field: 'country', op: 'exists', value: true }, repIds: ['b', 'a'] },
    ],
  };
  const { decision, states } = decideAssignment({
    lead: { country: 'CN' },
    candidates: [rep('a'), rep('b'), rep('x', { active: false })],
    config,
    states: { 'rule:all': { passes: { b: 1 }, globalPass: 0 } },
    now: NOW,
  });
  assert.deepEqual(decision, {
    ownerId: 'a',
    strategy: 'roundRobin',
    code: 'rotation',
    ruleId: 'all',
    stateKey: 'rule:all',
    exhaustedRuleIds: ['cn'],
    skipped: [],
    summary: 'rule all: round-robin picked a; rules without an eligible rep: cn',
  });
  assert.deepEqual(states, { 'rule:all': { passes: { b: 1, a: 1 }, globalPass: 0 } });
  const none = decideAssignment({
    lead: { country: 'CN' },
    candidates: [rep('x', { active: false })],
    config,
    now: NOW,
  });
  assert.equal(none.decision.summary, 'no eligible rep; skipped x (inactive); rules without an eligible rep: cn, all');
  assert.deepEqual(none.decision.exhaustedRuleIds, ['cn', 'all']);
});

test('weighted passes advance by 1/weight from the global pass; the default pool is every candidate in id order', () => {
  const { decision, states } = decideAssignment({
    lead: {},
    candidates: [rep('b'), rep('a')],
    config: { strategy: { kind: 'weighted', weights: { a: 4 } } },
    states: { default: { passes: { a: 3, b: 5 }, globalPass: 4 } },
    now: NOW,
  });
  assert.deepEqual([decision.ownerId, decision.code, decision.strategy], ['a', 'weighted_rotation', 'weighted']);
  assert.deepEqual(states, { default: { passes: { a: 4.25, b: 5 }, globalPass: 4 } });
  assert.match(decision.summary, /^default pool: weighted round-robin picked a$/);
  const least = decideAssignment({
    lead: {},
    candidates: [rep('b'), rep('a')],
    config: { strategy: { kind: 'leastLoaded' } },
    now: NOW,
  });
  assert.equal(least.decision.ownerId, 'a');
  assert.deepEqual(least.states, {}, 'least loaded keeps no rotation state');
  assert.equal(least.decision.summary, 'default pool: least loaded picked a');
});
