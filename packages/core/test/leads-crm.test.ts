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

test('capture with a note stores the lead and its inbound note together, or neither', async () => {
  const at = '2026-03-02T08:00:00.000Z';
  const crm = await createCrm({
    storage: createMemoryStorage(),
    actor: { id: 'admin-1', role: 'admin' },
    clock: () => new Date(at),
  });
  const activities: string[] = [];
  crm.on('activity.created', (event) => activities.push(event.id));

  const result = await crm.leads.capture(
    { name: 'Zhao Lei', email: 'zhao.lei@example.com' },
    { source: 'website', note: '  Please call after 5pm.  ' },
  );
  assert.ok(result.noteId);
  const note = await crm.activities.get(result.noteId);
  assert.equal(note.type, 'note');
  assert.equal(note.direction, 'inbound');
  assert.equal(note.body, 'Please call after 5pm.');
  assert.equal(note.leadId, result.lead.id);
  assert.equal(note.channel, 'website');
  assert.equal(result.lead.lastActivityAt, at);
  assert.deepEqual(activities, [result.noteId]);

  // A blank note stores no activity.
  const blank = await crm.leads.capture(
    { name: 'Qian Yu', email: 'qian.yu@example.com' },
    { source: 'web', note: ' ' },
  );
  assert.equal(blank.noteId, undefined);

  // A refused capture (a blocking duplicate) stores neither the lead nor the note.
  const before = { leads: await crm.leads.count(), activities: await crm.activities.count() };
  await assert.rejects(
    crm.leads.capture({ name: 'Lei Zhao', email: 'zhao.lei@example.com' }, { source: 'web', note: 'Hello again' }),
    (error: unknown) => isCrmError(error, CrmErrorCode.duplicate),
  );
  // A note that is too long is refused before anything is written.
  await assert.rejects(
    crm.leads.capture({ name: 'Sun Li', email: 'sun.li@example.com' }, { source: 'web', note: 'x'.repeat(200_001) }),
    (error: unknown) => isCrmError(error, CrmErrorCode.validation),
  );
  assert.deepEqual({ leads: await crm.leads.count(), activities: await crm.activities.count() }, before);
  crm.dispose();
});
