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
