import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CrmError,
  CrmEvents,
  PermissionError,
  ValidationError,
  createMemoryStorage,
  type CrmEventMap,
  type CrmEventName,
  type MemoryData,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { entityServices } from './support/entity-services.js';
import { createLeadService, type LeadServiceOptions } from '../src/leads/index.js';
import { DuplicateError } from '../src/leads/index.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const HOUR = 3_600_000;

/** Records every event emitted, to check names and that payloads carry no personal data. */
class RecordingEvents extends CrmEvents {
  readonly log: [string, unknown][] = [];
  override emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    this.log.push([name, payload]);
    super.emit(name, payload);
  }
}

function setup(options: LeadServiceOptions = {}, role?: 'viewer' | 'rep') {
  const clock = { now: T0 };
  const now = () => new Date(clock.now);
  const data: MemoryData = new Map();
  const storage = createMemoryStorage({ data, now });
  const events = new RecordingEvents();
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'actor', role: role ?? 'admin' },
    events,
    clock: now,
    idGenerator: () => `id-${String(++ids).padStart(3, '0')}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const backgroundErrors: unknown[] = [];
  const leads = createLeadService(context, { onBackgroundError: (error) => backgroundErrors.push(error), ...options });
  return {
    clock,
    data,
    storage,
    events,
    context,
    leads,
    backgroundErrors,
    ...entityServices(context),
  };
}

const PII = ['Ada Lovelace', 'ada@example.com', 'ADA@Example.com', '+442079460000', '7946', 'Analytical'];

/** Neither events nor audit entries may carry names, emails or phone numbers. */
function assertNoPii(env: ReturnType<typeof setup>) {
  const events = JSON.stringify(env.events.log);
  const audit = JSON.stringify([...(env.data.get('auditLog')?.values() ?? [])]);
  for (const secret of PII) {
    assert.ok(!events.includes(secret), `an event carries ${secret}`);
    assert.ok(!audit.includes(secret), `an audit entry carries ${secret}`);
  }
}

const ada = { name: '  Ada   Lovelace ', email: ' ADA@Example.com ', phone: '020 7946 0000', country: 'GB' };

test('capture normalises, records consent, scores, assigns and emits ids only', async () => {
  const env = setup({ defaultRegion: 'CN' });
  await env.users.create({ name: 'Rep One', email: 'one@crm.test', role: 'rep' });
  const result = await env.leads.capture(
    { ...ada, company: 'Analytical Engines', industry: 'tech' },
    {
      source: 'web',
      campaign: 'Spring fair',
      consent: { purpose: 'marketing_email', textVersion: 'v3' },
    },
  );
  const lead = result.lead;
  assert.equal(lead.name, 'Ada Lovelace');
  assert.equal(lead.email, 'ada@example.com');
  assert.equal(lead.phone, '+442079460000', 'read in the lead’s country, not the default region');
  assert.equal(lead.source, 'web');
  assert.equal(lead.campaign, 'Spring fair');
  assert.equal(lead.status, 'new');
  assert.equal(lead.ownerId, 'id-001');
  assert.deepEqual(lead.assignment, { strategy: 'roundRobin', code: 'rotation', at: lead.createdAt });
  assert.equal(result.assignment?.summary, 'default pool: round-robin picked id-001');
  // Scored by the default model: email, phone and company.
  assert.equal(lead.score, 30);
  assert.deepEqual(lead.scoreHistory, [
    {
      at: lead.createdAt,
      score: 30,
      trigger: 'capture',
      rules: [
        { ruleId: 'hasEmail', points: 10 },
        { ruleId: 'hasPhone', points: 10 },
        { ruleId: 'hasCompany', points: 10 },
      ],
    },
  ]);
  assert.equal(result.score.contributions.length, 6, 'the explanation lists every rule');
  assert.deepEqual(result.duplicates, []);
  // Consent: purpose, legal basis, text version, time and source.
  const consent = env.data.get('consents')?.get(result.consentIds[0]!);
  assert.deepEqual(
    {
      subjectKind: consent?.['subjectKind'],
      subjectId: consent?.['subjectId'],
      purpose: consent?.['purpose'],
      legalBasis: consent?.['legalBasis'],
      status: consent?.['status'],
      textVersion: consent?.['textVersion'],
      at: consent?.['at'],
      source: consent?.['source'],
    },
    {
      subjectKind: 'lead',
      subjectId: lead.id,
      purpose: 'marketing_email',
      legalBasis: 'consent',
      status: 'granted',
      textVersion: 'v3',
      at: lead.createdAt,
      source: 'web',
    },
  );
  // Events: ids, codes and counts only.
  const names = env.events.log.map(([name]) => name);
  assert.deepEqual(names.slice(-3), ['lead.created', 'lead.captured', 'lead.assigned']);
  assert.deepEqual(env.events.log.at(-2)?.[1], {
    id: lead.id,
    actorId: 'actor',
    at: lead.createdAt,
    via: 'capture',
    ownerId: 'id-001',
    score: 30,
    duplicates: [],
    consentIds: result.consentIds,
  });
  assertNoPii(env);
  const audit = [...env.data.get('auditLog')!.values()].filter((entry) => entry['entityId'] === lead.id);
  assert.equal(audit.length, 1);
  assert.ok((audit[0]!['changedFields'] as string[]).includes('email'));
});

test('capturing the same email again is blocked with DuplicateError, and nothing is written', async () => {
  const env = setup();
  const first = await env.leads.capture(ada, { source: 'web' });
  const before = await env.storage.exportSnapshot();
  await assert.rejects(
    env.leads.capture(
      { name: 'Someone Else', email: 'ada@EXAMPLE.com' },
      { source: 'fair', consent: { purpose: 'sms' } },
    ),
    (error: unknown) => {
      assert.ok(error instanceof DuplicateError);
      assert.ok(error instanceof CrmError);
      assert.equal(error.code, 'CRM_DUPLICATE');
      assert.deepEqual(
        error.matches.map((match) => [match.kind, match.id, match.policy, match.fields]),
        [['lead', first.lead.id, 'block', ['email']]],
      );
      for (const secret of PII) assert.ok(!error.message.includes(secret));
      assert.match(error.message, /lead id-\d+ \(email\)/);
      return true;
    },
  );
  assert.deepEqual(await env.storage.exportSnapshot(), before);
});

test('alert-level duplicates are stored and returned; customers and contacts are matched too', async () => {
  const env = setup();
  const customer = await env.customers.create({
    kind: 'person',
    name: 'Charles Babbage',
    phones: ['+44 20 7946 0000'],
  });
  const org = await env.customers.create({ kind: 'organisation', name: 'Analytical Engines Ltd' });
  const contact = await env.contacts.create({ customerId: org.id, name: 'Ada Lovelace' });
  const result = await env.leads.capture(
    { name: 'Ada Lovelace', company: 'Analytical Engines', phone: '+442079460000' },
    { source: 'web' },
  );
  assert.deepEqual(
    result.duplicates.map((match) => [match.kind, match.id, match.rules.map((rule) => rule.rule)]),
    [
      ['customer', customer.id, ['phone']],
      ['contact', contact.id, ['nameCompany']],
    ],
  );
  const captured = env.events.log.find(([name]) => name === 'lead.captured')?.[1] as { duplicates: unknown[] };
  assert.deepEqual(captured.duplicates, [
    { kind: 'customer', id: customer.id, rules: ['phone'] },
    { kind: 'contact', id: contact.id, rules: ['nameCompany'] },
  ]);
  assert.equal(await env.leads.count(), 1);
  // The same data checked without writing.
  const found = await env.leads.findDuplicates({
    name: 'ada lovelace',
    company: 'ANALYTICAL ENGINES',
    phone: '+44 20 7946 0000',
  });
  assert.deepEqual(
    found.map((match) => [match.kind, match.id]),
    [
      ['customer', customer.id],
      ['lead', result.lead.id],
      ['contact', contact.id],
    ],
  );
  assert.deepEqual(
    (await env.leads.findDuplicates(result.lead.id)).map((match) => match.id),
    [customer.id, contact.id],
    'a stored lead never matches itself',
  );
});

test('policies are configurable per rule: allow ignores, block refuses', async () => {
  const allow = setup({ dedupe: { email: { policy: 'allow' } } });
  await allow.leads.capture(ada, { source: 'web' });
  const again = await allow.leads.capture(ada, { source: 'web' });
  assert.deepEqual(
    again.duplicates.map((match) => match.rules.map((rule) => rule.rule)),
    [['phone']],
  );

  const strict = setup({ dedupe: { nameCompany: { policy: 'block', threshold: 0.85 } } });
  await strict.leads.capture({ name: '张伟', company: '华为技术有限公司' }, { source: 'web' });
  await assert.rejects(strict.leads.capture({ name: '张伟', company: '华为技术' }, { source: 'web' }), DuplicateError);
});

test('bad input is a ValidationError naming the field; managed fields are refused; nothing is written', async () => {
  const env = setup();
  const before = await env.storage.exportSnapshot();
  const fields = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      for (const secret of PII) assert.ok(!error.message.includes(secret));
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(await fields(env.leads.capture({ ...ada, email: 'not an email' }, { source: 'web' })), ['email']);
  assert.deepEqual(await fields(env.leads.capture({ ...ada, country: undefined }, { source: 'web' })), ['phone']);
  assert.deepEqual(
    await fields(env.leads.capture({ ...ada, score: 99, status: 'converted' } as never, { source: 'web' })),
    ['score', 'status'],
  );
  assert.deepEqual(await fields(env.leads.capture({ email: 'x@example.org' } as never, { source: 'web' })), ['name']);
  assert.deepEqual(await fields(env.leads.capture(ada, { source: '' })), ['source']);
  assert.deepEqual(
    await fields(env.leads.capture(ada, { source: 'web', consent: { purpose: 'x', legalBasis: 'whim' as never } })),
    ['consent'],
  );
  assert.deepEqual(await fields(env.leads.capture('Ada' as never, { source: 'web' })), ['(root)']);
  assert.deepEqual(await env.storage.exportSnapshot(), before);
  await assert.rejects(setup({}, 'viewer').leads.capture(ada, { source: 'web' }), PermissionError);
  assert.throws(
    () => setup({ defaultRegion: 'Britain', scoring: { rules: 'x' } as never }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['defaultRegion']);
      return true;
    },
  );
});

test('create and update normalise too; update refuses managed fields and lifecycle statuses', async () => {
  const env = setup({ defaultRegion: 'CN' });
  const lead = await env.leads.create({ name: ' Zhang  Wei ', email: 'ZW@Example.CN', phone: '138 0013 8000' });
  assert.equal(lead.name, 'Zhang Wei');
  assert.equal(lead.phone, '+8613800138000');
  assert.equal(lead.ownerId, 'actor', 'create: the owner defaults to the acting user');
  assert.equal(lead.score, 20);
  await assert.rejects(env.leads.create({ name: 'Other', email: 'zw@example.cn' }), DuplicateError);
  const captured = env.events.log.filter(([name]) => name === 'lead.captured');
  assert.equal((captured[0]?.[1] as { via: string }).via, 'create');

  const updated = await env.leads.update(
    lead.id,
    { phone: '020 7946 0000', country: 'GB', status: 'working' },
    { expectedVersion: 1 },
  );
  assert.equal(updated.phone, '+442079460000');
  assert.equal(updated.status, 'working');
  await assert.rejects(
    env.leads.update(lead.id, { status: 'qualified', score: 5 }, { expectedVersion: 2 }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'score,status',
  );
});

test('round-robin assignment persists its rotation, skips inactive and full reps, and records the reason', async () => {
  const env = setup({ assignment: { repIds: ['r1', 'r2', 'r3'] } });
  const put = (id: string, extra: object = {}) =>
    env.storage.put(
      'users',
      { id, name: id, email: `${id}@crm.test`, role: 'rep', active: true, ...extra },
      { expectedVersion: 0 },
    );
  await put('r1');
  await put('r2', { active: false });
  await put('r3', { capacity: 1 });
  const owners: (string | undefined)[] = [];
  for (let i = 0; i < 4; i++) {
    const { lead, assignment } = await env.leads.capture({ name: `Lead ${i}` }, { source: 'web' });
    owners.push(lead.ownerId);
    if (i === 1) assert.deepEqual(assignment?.skipped, [{ repId: 'r2', reason: 'inactive' }]);
  }
  assert.deepEqual(owners, ['r1', 'r3', 'r1', 'r1'], 'r3 is full after one lead; r2 is inactive');
  assert.ok(env.data.get('assignmentState')?.get('leads:default'), 'the rotation is stored');

  // A new service over the same storage continues the rotation.
  const { context } = env;
  await env.storage.put('users', { ...(await env.storage.get('users', 'r2'))!, active: true }, { expectedVersion: 1 });
  const again = createLeadService(context, { assignment: { repIds: ['r1', 'r2', 'r3'] } });
  const next = await again.capture({ name: 'Lead 4' }, { source: 'web' });
  assert.equal(next.lead.ownerId, 'r2', 'r2 is back, at the current pass');
  again.dispose();
});

test('rules route by territory; nobody eligible leaves the lead unassigned with the reason', async () => {
  const env = setup({
    assignment: {
      repIds: ['d1'],
      rules: [{ id: 'north', when: { field: 'territory', op: 'eq', value: 'north' }, repIds: ['n1'] }],
    },
  });
  await env.storage.put(
    'users',
    { id: 'n1', name: 'n', email: 'n@crm.test', role: 'rep', active: true },
    { expectedVersion: 0 },
  );
  const north = await env.leads.capture({ name: 'North lead', territory: 'north' }, { source: 'web' });
  assert.equal(north.lead.ownerId, 'n1');
  assert.deepEqual(north.lead.assignment?.ruleId, 'north');
  const nobody = await env.leads.capture({ name: 'South lead', territory: 'south' }, { source: 'web' });
  assert.equal(nobody.lead.ownerId, undefined);
  assert.equal(nobody.assignment?.code, 'no_eligible_rep');
  assert.deepEqual(nobody.assignment?.skipped, [{ repId: 'd1', reason: 'unknown' }]);
  const assigned = env.events.log.filter(([name]) => name === 'lead.assigned').map(([, payload]) => payload);
  assert.deepEqual(assigned.at(-1), {
    id: nobody.lead.id,
    actorId: 'actor',
    at: nobody.lead.createdAt,
    strategy: 'none',
    code: 'no_eligible_rep',
  });
});

test('assign re-assigns by strategy or to a named owner; an inactive owner is refused', async () => {
  const env = setup({ assignment: { repIds: ['r1', 'r2'] } });
  for (const id of ['r1', 'r2']) {
    await env.storage.put(
      'users',
      { id, name: id, email: `${id}@crm.test`, role: 'rep', active: true },
      { expectedVersion: 0 },
    );
  }
  await env.storage.put(
    'users',
    { id: 'gone', name: 'g', email: 'g@crm.test', role: 'rep', active: false },
    { expectedVersion: 0 },
  );
  const { lead } = await env.leads.capture({ name: 'A' }, { source: 'web' });
  assert.equal(lead.ownerId, 'r1');
  const again = await env.leads.assign(lead.id, { expectedVersion: lead.version });
  assert.equal(again.lead.ownerId, 'r2');
  assert.equal(again.decision.code, 'rotation');
  const manual = await env.leads.assign(lead.id, { ownerId: 'someone', expectedVersion: again.lead.version });
  assert.deepEqual([manual.lead.ownerId, manual.lead.assignment?.strategy], ['someone', 'explicit']);
  await assert.rejects(
    env.leads.assign(lead.id, { ownerId: 'gone', expectedVersion: manual.lead.version }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'ownerId',
  );
  const event = env.events.log.filter(([name]) => name === 'lead.assigned').at(-1)?.[1];
  assert.deepEqual(event, {
    id: lead.id,
    actorId: 'actor',
    at: manual.lead.updatedAt,
    ownerId: 'someone',
    previousOwnerId: 'r2',
    strategy: 'explicit',
    code: 'explicit',
  });
});

test('activities re-score their lead in the background, with history, decay and an explanation', async () => {
  const env = setup({
    assignment: false,
    scoring: {
      rules: [
        { id: 'finance', kind: 'attribute', when: { field: 'industry', op: 'eq', value: 'finance' }, points: 20 },
        {
          id: 'meetings',
          kind: 'activity',
          when: { field: 'type', op: 'eq', value: 'meeting' },
          points: 16,
          halfLifeDays: 10,
        },
      ],
    },
  });
  const { lead } = await env.leads.capture({ name: 'Ada Lovelace', industry: 'retail' }, { source: 'web' });
  assert.equal(lead.score, 0);
  await env.activities.create({
    type: 'meeting',
    direction: 'outbound',
    occurredAt: new Date(T0).toISOString(),
    leadId: lead.id,
  });
  await env.leads.whenIdle();
  let stored = await env.leads.get(lead.id);
  assert.equal(stored.score, 16);
  assert.deepEqual(
    stored.scoreHistory.map((entry) => [entry.score, entry.trigger]),
    [
      [0, 'capture'],
      [16, 'activity'],
    ],
  );
  // A scored attribute changes: re-scored.
  await env.leads.update(lead.id, { industry: 'finance' }, { expectedVersion: stored.version });
  await env.leads.whenIdle();
  stored = await env.leads.get(lead.id);
  assert.equal(stored.score, 36);
  assert.equal(stored.scoreHistory.at(-1)?.trigger, 'update');
  // Ten days later the meeting is worth half.
  env.clock.now += 10 * 24 * HOUR;
  assert.deepEqual(
    (await env.leads.score(lead.id)).contributions.map((c) => [c.ruleId, c.points]),
    [
      ['finance', 20],
      ['meetings', 8],
    ],
  );
  assert.deepEqual(await env.leads.rescoreAll(), { rescored: 1, changed: 1 });
  assert.equal((await env.leads.get(lead.id)).score, 28);
  const unchanged = await env.leads.rescore(lead.id);
  assert.equal(unchanged.changed, false, 'nothing to write when the score is current');
  const scored = env.events.log.filter(([name]) => name === 'lead.scored').map(([, payload]) => payload);
  assert.deepEqual(
    scored.map((event) => {
      const { score, previousScore, trigger } = event as { score: number; previousScore: number; trigger: string };
      return [previousScore, score, trigger];
    }),
    [
      [0, 16, 'activity'],
      [16, 36, 'update'],
      [36, 28, 'rescore'],
    ],
  );
  assert.deepEqual(env.backgroundErrors, []);
  env.leads.dispose();
});

test('the follow-up SLA: time to first activity per lead, and overdue leads', async () => {
  const env = setup({ assignment: false, sla: { firstActivityWithinMinutes: 60 } });
  const a = (await env.leads.capture({ name: 'A' }, { source: 'web' })).lead;
  const b = (await env.leads.capture({ name: 'B' }, { source: 'web' })).lead;
  env.clock.now += 30 * 60_000;
  await env.activities.create({
    type: 'call',
    direction: 'outbound',
    occurredAt: new Date(env.clock.now).toISOString(),
    leadId: a.id,
  });
  env.clock.now += 2 * HOUR;
  const c = (await env.leads.capture({ name: 'C' }, { source: 'web' })).lead;
  assert.deepEqual(await env.leads.sla(a.id), {
    leadId: a.id,
    state: 'met',
    dueAt: new Date(T0 + HOUR).toISOString(),
    firstActivityAt: new Date(T0 + 30 * 60_000).toISOString(),
    minutesToFirstActivity: 30,
  });
  assert.deepEqual(await env.leads.overdue(), [
    { leadId: b.id, state: 'overdue', dueAt: new Date(T0 + HOUR).toISOString(), minutesOverdue: 90 },
  ]);
  assert.equal((await env.leads.sla(c.id)).state, 'pending');
  await env.leads.disqualify(b.id, { reason: 'spam', expectedVersion: (await env.leads.get(b.id)).version });
  assert.deepEqual(await env.leads.overdue(), []);
  await env.leads.whenIdle();
  assert.deepEqual(env.backgroundErrors, []);
});
