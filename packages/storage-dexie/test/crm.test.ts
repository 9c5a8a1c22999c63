import { expect } from '@open-wc/testing';
import { CRM_COLLECTIONS, createCrm, type Crm } from '@crmkit/core';
import { createDexieStorage, type DexieStorage } from '@crmkit/storage-dexie';
import { deleteDatabase, uniqueName } from './raw-idb.js';

// The services over IndexedDB, end to end: every write path of createCrm runs in a Dexie transaction whose body
// validates and awaits its own work before touching storage, which the adapter must survive.
describe('createCrm over IndexedDB', () => {
  let name: string;
  let storage: DexieStorage;
  let crm: Crm;
  const now = new Date('2026-11-27T08:00:00Z');

  beforeEach(async () => {
    name = uniqueName('crm');
    storage = createDexieStorage({ name, collections: CRM_COLLECTIONS });
    crm = await createCrm({ storage, actor: { id: 'usr-1', role: 'admin' }, clock: () => now });
  });
  afterEach(async () => {
    // dispose lets background work (re-scoring, customer aggregates) finish before the database closes under it.
    await crm.dispose();
    await storage.close();
    await deleteDatabase(name);
  });

  it('captures, converts, moves to won, logs activity and completes a task, all stored', async () => {
    await crm.users.create({ name: 'Chen Jing', email: 'chen.jing@example.com', role: 'rep' });
    const { lead } = await crm.leads.capture(
      { name: 'Li Wei', company: 'Hangzhou Lighting Co.', email: 'li.wei@example.com' },
      { source: 'web' },
    );
    await crm.settled();
    await crm.leads.qualify(lead.id, { expectedVersion: (await crm.leads.get(lead.id)).version });
    const { deal, customer } = await crm.leads.convert(lead.id, {
      deal: {
        title: 'LED retrofit',
        amount: { amountMinor: 12_000_000, currency: 'CNY' },
        expectedCloseDate: '2026-12-31',
      },
    });
    const pipeline = await crm.pipelines.get(deal.pipelineId);
    const won = pipeline.stages.find((stage) => stage.kind === 'won')!;
    const moved = await crm.deals.moveToStage(deal.id, won.id, { expectedVersion: deal.version });
    await crm.activities.log({
      type: 'call',
      direction: 'outbound',
      occurredAt: now.toISOString(),
      customerId: customer.id,
      dealId: deal.id,
    });
    const task = await crm.tasks.create({
      title: 'Send the contract',
      type: 'follow_up',
      dueAt: '2026-11-30T02:00:00Z',
      assigneeId: 'usr-1',
      related: { kind: 'deal', id: deal.id },
    });
    await crm.tasks.complete(task.id, { expectedVersion: task.version });

    // Read back through a second connection: everything was committed, nothing is only in memory.
    const other = createDexieStorage({ name, collections: CRM_COLLECTIONS });
    try {
      expect((await other.get('deals', deal.id))?.['status']).to.equal('won');
      expect((await other.get('deals', deal.id))?.['stageId']).to.equal(won.id);
      // Logging the call afterwards stamped the deal's last activity: one more version.
      expect((await other.get('deals', deal.id))?.version).to.equal(moved.version + 1);
      expect((await other.get('leads', lead.id))?.['status']).to.equal('converted');
      // The clock is fixed, so the changes share one instant: look for the move itself, not for the latest.
      const history = await other.query('stageChanges', { where: { field: 'dealId', op: 'eq', value: deal.id } });
      const move = history.records.find((change) => change['toStageId'] === won.id);
      expect(move?.['fromStageId']).to.equal(deal.stageId);
      const calls = {
        all: [
          { field: 'dealId', op: 'eq', value: deal.id },
          { field: 'type', op: 'eq', value: 'call' },
        ],
      } as const;
      expect(await other.count('activities', calls)).to.equal(1);
      expect((await other.get('tasks', task.id))?.['status']).to.equal('done');
      expect(await other.count('auditLog')).to.be.greaterThan(5);
    } finally {
      await other.close();
    }
  });

  it('a stale move gets ConflictError and changes nothing', async () => {
    const customer = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
    const deal = await crm.deals.create({
      title: 'Pilot',
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 100_000, currency: 'CNY' },
    });
    await crm.deals.update(deal.id, { title: 'Pilot (renamed)' }, { expectedVersion: deal.version });
    let code: string | undefined;
    try {
      await crm.deals.moveToStage(deal.id, 'won', { expectedVersion: deal.version });
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).to.equal('CRM_CONFLICT');
    expect((await crm.deals.get(deal.id)).stageId).to.equal('opportunity');
    expect(await storage.count('stageChanges', { field: 'dealId', op: 'eq', value: deal.id })).to.equal(1);
  });
});
