import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrmErrorCode, DuplicateError, createCrm, createMemoryStorage, isCrmError } from '@crmkit/core';

test('createCrm wires lead management: capture normalises, scores, assigns and blocks duplicates', async () => {
  const crm = await createCrm({
    storage: createMemoryStorage(),
    actor: { id: 'admin-1', role: 'admin' },
    clock: () => new Date('2026-03-02T08:00:00Z'),
    leads: { defaultRegion: 'CN' },
  });
  await crm.users.create({ name: '王芳', email: 'wang.fang@example.com', role: 'rep', capacity: 10 });
  const events: string[] = [];
  crm.on('lead.captured', (event) => events.push(`captured ${event.id}`));

  const first = await crm.leads.capture(
    { name: '  Li   Wei ', email: 'Li.Wei@Example.COM', phone: '138 0013 8000', company: 'Lanhai' },
    { source: 'wechat' },
  );
  assert.equal(first.lead.email, 'li.wei@example.com');
  assert.equal(first.lead.phone, '+8613800138000');
  assert.ok(first.lead.ownerId, 'assigned to the only rep');
  assert.deepEqual(events, [`captured ${first.lead.id}`]);

  await assert.rejects(
    crm.leads.capture({ name: 'Wei Li', email: 'li.wei@example.com' }, { source: 'website' }),
    (error: unknown) => {
      assert.ok(error instanceof DuplicateError);
      assert.ok(isCrmError(error, CrmErrorCode.duplicate));
      assert.ok(!error.message.includes('li.wei'), 'no PII in the message');
      return true;
    },
  );
  assert.equal(await crm.leads.count(), 1);
});
