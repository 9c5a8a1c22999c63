import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@crmkit/core';
import { leadSla, overdueLeads, resolveSlaPolicy, type SlaPolicy } from '../src/leads/index.js';

const CREATED = '2026-03-01T08:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(CREATED) + hours * 3_600_000).toISOString();
const policy: SlaPolicy = { firstActivityWithinMinutes: 120 };
const lead = { id: 'l1', status: 'new' as const, createdAt: CREATED };

test('met: the first outbound activity came within the window', () => {
  const sla = leadSla(
    lead,
    [
      { direction: 'inbound', occurredAt: at(0.5) }, // a web visit does not count as follow-up
      { direction: 'outbound', occurredAt: at(1.5) },
      { direction: 'outbound', occurredAt: at(1) },
    ],
    policy,
    new Date(at(5)),
  );
  assert.deepEqual(sla, {
    leadId: 'l1',
    state: 'met',
    dueAt: at(2),
    firstActivityAt: at(1),
    minutesToFirstActivity: 60,
  });
});

test('late, pending, overdue and closed', () => {
  const late = leadSla(lead, [{ direction: 'outbound', occurredAt: at(3) }], policy, new Date(at(5)));
  assert.deepEqual([late.state, late.minutesToFirstActivity], ['late', 180]);
  assert.equal(leadSla(lead, [], policy, new Date(at(1))).state, 'pending');
  assert.equal(leadSla(lead, [], policy, new Date(at(2))).state, 'pending', 'due at exactly the window');
  assert.deepEqual(leadSla(lead, [], policy, new Date(at(2.5))), {
    leadId: 'l1',
    state: 'overdue',
    dueAt: at(2),
    minutesOverdue: 30,
  });
  assert.equal(leadSla({ ...lead, status: 'disqualified' }, [], policy, new Date(at(5))).state, 'closed');
  assert.equal(
    leadSla(lead, [{ direction: 'outbound', occurredAt: at(10) }], policy, new Date(at(5))).state,
    'overdue',
    'an activity in the future has not happened yet',
  );
  const before = leadSla(lead, [{ direction: 'outbound', occurredAt: at(-1) }], policy, new Date(at(5)));
  assert.deepEqual([before.state, before.minutesToFirstActivity], ['met', 0]);
});

test('what counts as follow-up and which statuses are open are configurable', () => {
  const anyCall: SlaPolicy = {
    firstActivityWithinMinutes: 60,
    followUp: { field: 'type', op: 'eq', value: 'call' },
    openStatuses: ['new', 'working', 'qualified'],
  };
  assert.equal(
    leadSla(lead, [{ type: 'call', direction: 'inbound', occurredAt: at(0.5) }], anyCall, new Date(at(5))).state,
    'met',
  );
  assert.equal(leadSla({ ...lead, status: 'qualified' }, [], anyCall, new Date(at(5))).state, 'overdue');
  assert.throws(
    () => resolveSlaPolicy({ firstActivityWithinMinutes: 0, openStatuses: ['lost'] }),
    (error: unknown) =>
      error instanceof ValidationError && error.fields.join() === 'firstActivityWithinMinutes,openStatuses.0',
  );
});

test('overdueLeads lists the overdue ones, most overdue first, then by id', () => {
  const leads = [
    { id: 'b', status: 'new' as const, createdAt: at(0) },
    { id: 'a', status: 'working' as const, createdAt: at(0) },
    { id: 'c', status: 'new' as const, createdAt: at(-3) },
    { id: 'd', status: 'new' as const, createdAt: at(0) },
    { id: 'e', status: 'converted' as const, createdAt: at(-9) },
  ];
  const activities = [
    { leadId: 'd', direction: 'outbound', occurredAt: at(1) },
    { direction: 'outbound', occurredAt: at(1) },
  ];
  const overdue = overdueLeads(leads, activities, policy, new Date(at(4)));
  assert.deepEqual(
    overdue.map((sla) => [sla.leadId, sla.minutesOverdue]),
    [
      ['c', 300],
      ['a', 120],
      ['b', 120],
    ],
  );
});

test('boundaries: a first activity exactly at the due instant is met, a millisecond later is late; one at now counts', () => {
  const due = Date.parse(at(2));
  const outbound = (ms: number) => ({ direction: 'outbound', occurredAt: new Date(ms).toISOString() });
  assert.equal(leadSla(lead, [outbound(due)], policy, new Date(at(5))).state, 'met');
  assert.deepEqual(leadSla(lead, [outbound(due + 1)], policy, new Date(at(5))), {
    leadId: 'l1',
    state: 'late',
    dueAt: at(2),
    firstActivityAt: new Date(due + 1).toISOString(),
    minutesToFirstActivity: 120,
  });
  const now = Date.parse(at(3));
  assert.equal(leadSla(lead, [outbound(now)], policy, new Date(now)).state, 'late', 'an activity at now has happened');
  assert.deepEqual(leadSla(lead, [outbound(now + 1)], policy, new Date(now)), {
    leadId: 'l1',
    state: 'overdue',
    dueAt: at(2),
    minutesOverdue: 60,
  });
  // Overdue minutes are whole minutes, rounded down.
  assert.equal(leadSla(lead, [], policy, new Date(due + 119_999)).minutesOverdue, 1);
  assert.equal(leadSla(lead, [], policy, new Date(due + 1)).minutesOverdue, 0);
  assert.equal(leadSla(lead, [], policy, new Date(due + 1)).state, 'overdue');
});

test('activities that are not instants are ignored; the earliest of the rest counts, whatever their order', () => {
  const sla = leadSla(
    lead,
    [
      { direction: 'outbound', occurredAt: 'yesterday' },
      { direction: 'outbound', occurredAt: at(1.75) },
      { direction: 'outbound', occurredAt: at(0.25) },
      { direction: 'outbound', occurredAt: at(1) },
    ],
    policy,
    new Date(at(5)),
  );
  assert.deepEqual([sla.firstActivityAt, sla.minutesToFirstActivity], [at(0.25), 15]);
  assert.equal(
    leadSla(lead, [{ direction: 'outbound', occurredAt: 'soon' }], policy, new Date(at(1))).state,
    'pending',
  );
});

test('the default policy: 24 hours, outbound activities, new and working leads; a resolved policy is reused', () => {
  const resolved = resolveSlaPolicy(undefined);
  assert.deepEqual(resolved, {
    firstActivityWithinMinutes: 1440,
    followUp: { field: 'direction', op: 'eq', value: 'outbound' },
    openStatuses: ['new', 'working'],
  });
  assert.equal(resolveSlaPolicy(undefined), resolved);
  assert.equal(resolveSlaPolicy(policy), resolveSlaPolicy(policy));
  assert.deepEqual(resolveSlaPolicy(policy).openStatuses, ['new', 'working']);
  assert.equal(leadSla(lead, [], undefined, new Date(at(24))).state, 'pending');
  assert.equal(leadSla({ ...lead, status: 'working' }, [], undefined, new Date(at(25))).state, 'overdue');
  assert.equal(leadSla({ ...lead, status: 'qualified' }, [], undefined, new Date(at(25))).state, 'closed');
  assert.throws(() => resolveSlaPolicy({ firstActivityWithinMinutes: 525_601 }), /SLA policy/);
});

test('overdueLeads: the most overdue first, ties by id, activities matched to their own lead only', () => {
  const leads = [
    { id: 'b', status: 'new' as const, createdAt: at(0) },
    { id: 'c', status: 'new' as const, createdAt: at(0) },
    { id: 'a', status: 'new' as const, createdAt: at(0) },
    { id: 'z', status: 'new' as const, createdAt: at(-1) },
  ];
  const activities = [
    { leadId: 'c', direction: 'outbound', occurredAt: at(3) },
    { leadId: 'c', direction: 'outbound', occurredAt: at(1) },
    { leadId: 'x', direction: 'outbound', occurredAt: at(1) },
  ];
  assert.deepEqual(
    overdueLeads(leads, activities, policy, new Date(at(4))).map((sla) => [sla.leadId, sla.minutesOverdue]),
    [
      ['z', 180],
      ['a', 120],
      ['b', 120],
    ],
  );
  assert.deepEqual(overdueLeads([], activities, policy, new Date(at(4))), []);
});
