import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { createCrm, createMemoryStorage, type ChangeEvent, type Crm } from '@crmkit/core';
import { loadBoard, type BoardData } from '../src/pipeline-board/load.js';

const WATCHED = new Set(['deals', 'pipelines', 'customers', 'users']);
const STAGES = ['opportunity', 'proposal', 'won', 'lost'] as const;

/** What the board shows of its data, comparable between two loads. */
const shown = (data: BoardData) => ({
  deals: data.deals.map((deal) => [deal.id, deal.stageId, deal.title, deal.version]),
  customers: data.deals.map((deal) => data.customerNames[deal.customerId]),
  owners: data.deals.map((deal) => (deal.ownerId ? data.ownerNames[deal.ownerId] : undefined)),
});

type Step =
  | { kind: 'move'; deal: number; stage: number }
  | { kind: 'create'; customer: number; stage: number }
  | { kind: 'rename-customer'; customer: number; name: string }
  | { kind: 'rename-deal'; deal: number; title: string }
  | { kind: 'delete'; deal: number }
  | { kind: 'add-user'; name: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('move' as const), deal: fc.nat(50), stage: fc.nat(3) }),
  fc.record({ kind: fc.constant('create' as const), customer: fc.nat(5), stage: fc.nat(1) }),
  fc.record({
    kind: fc.constant('rename-customer' as const),
    customer: fc.nat(5),
    name: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('rename-deal' as const),
    deal: fc.nat(50),
    title: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), deal: fc.nat(50) }),
  fc.record({ kind: fc.constant('add-user' as const), name: fc.string({ minLength: 1, maxLength: 8 }) }),
);

describe('the board loads changes piecemeal', () => {
  it('property: applying the changes to the previous data equals reading everything again', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        async (batches) => {
          let tick = Date.parse('2026-11-01T00:00:00Z');
          // Every write a minute later, so stage times differ as they do in use (ties are ordered by id either way).
          const crm: Crm = await createCrm({
            storage: createMemoryStorage(),
            actor: { id: 'usr-1', role: 'admin' },
            clock: () => new Date((tick += 60_000)),
          });
          try {
            const customers = [];
            for (let i = 0; i < 6; i++)
              customers.push(await crm.customers.create({ kind: 'organisation', name: `Customer ${i}` }));
            const owner = await crm.users.create({ name: 'Owner', email: 'owner@example.com', role: 'rep' });
            for (let i = 0; i < 8; i++) {
              await crm.deals.create({
                title: `Deal ${i}`,
                customerId: customers[i % 6]!.id,
                pipelineId: 'default',
                stageId: i % 2 ? 'proposal' : 'opportunity',
                amount: { amountMinor: 1000 * (i + 1), currency: 'CNY' },
                expectedCloseDate: '2026-12-31',
                ownerId: owner.id,
              });
            }
            let data = await loadBoard(crm, 'default');
            const changes: ChangeEvent[] = [];
            crm.subscribe((events) => changes.push(...events.filter((event) => WATCHED.has(event.collection))));
            for (const batch of batches) {
              for (const action of batch)
                await apply(
                  crm,
                  action,
                  customers.map((c) => c.id),
                );
              // Background work a write starts (lifecycle rules, aggregates) may write too: let it finish, so both
              // loads read the same committed state.
              await crm.settled();
              const piecemeal = await loadBoard(crm, 'default', { previous: data, changes: changes.splice(0) });
              const everything = await loadBoard(crm, 'default');
              expect(shown(piecemeal)).to.deep.equal(shown(everything));
              data = piecemeal;
            }
          } finally {
            await crm.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a customer renamed while none of its deals is shown has its new name when a deal of it appears', async () => {
    const crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'usr-1', role: 'admin' } });
    const customer = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
    const deal = (title: string) =>
      crm.deals.create({
        title,
        customerId: customer.id,
        pipelineId: 'default',
        stageId: 'opportunity',
        amount: { amountMinor: 100, currency: 'CNY' },
        expectedCloseDate: '2026-12-31',
      });
    const first = await deal('Pilot');
    let data = await loadBoard(crm, 'default');
    const changes: ChangeEvent[] = [];
    crm.subscribe((events) => changes.push(...events));
    await crm.deals.remove(first.id, { expectedVersion: first.version });
    await crm.settled();
    const current = await crm.customers.get(customer.id);
    await crm.customers.update(customer.id, { name: 'Acme Group' }, { expectedVersion: current.version });
    data = await loadBoard(crm, 'default', { previous: data, changes: changes.splice(0) });
    expect(data.deals).to.deep.equal([]);
    await deal('Rollout');
    await crm.settled();
    data = await loadBoard(crm, 'default', { previous: data, changes: changes.splice(0) });
    expect(Object.values(data.customerNames)).to.deep.equal(['Acme Group']);
    await crm.dispose();
  });

  it('reads only the changed deal by id, not the whole pipeline', async () => {
    const crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'usr-1', role: 'admin' } });
    const customer = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
    const deal = await crm.deals.create({
      title: 'Pilot',
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 100, currency: 'CNY' },
      expectedCloseDate: '2026-12-31',
    });
    const previous = await loadBoard(crm, 'default');
    const changes: ChangeEvent[] = [];
    crm.subscribe((events) => changes.push(...events));
    await crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: deal.version });
    const wheres: unknown[] = [];
    const list = crm.deals.list.bind(crm.deals);
    crm.deals.list = (options) => {
      wheres.push(options?.where);
      return list(options);
    };
    const updated = await loadBoard(crm, 'default', { previous, changes });
    expect(updated.deals.map((d) => d.stageId)).to.deep.equal(['proposal']);
    expect(wheres).to.deep.equal([{ field: 'id', op: 'in', values: [deal.id] }]);
    await crm.dispose();
  });
});

let users = 0;

async function apply(crm: Crm, action: Step, customerIds: readonly string[]): Promise<void> {
  // Background work (aggregates, lifecycle rules) may still be writing customers: let it finish before reading
  // versions to write with.
  await crm.aggregates.settled();
  const deals = (await crm.deals.list()).records;
  const pick = (index: number) => deals[index % Math.max(1, deals.length)];
  switch (action.kind) {
    case 'move': {
      const deal = pick(action.deal);
      const stage = STAGES[action.stage]!;
      if (!deal || deal.stageId === stage) return;
      await crm.deals.moveToStage(deal.id, stage, {
        expectedVersion: deal.version,
        ...(stage === 'lost' ? { lostReason: 'price' } : {}),
      });
      return;
    }
    case 'create':
      await crm.deals.create({
        title: 'New',
        customerId: customerIds[action.customer % customerIds.length]!,
        pipelineId: 'default',
        stageId: STAGES[action.stage]!,
        amount: { amountMinor: 500, currency: 'CNY' },
        expectedCloseDate: '2026-12-31',
      });
      return;
    case 'rename-customer': {
      const id = customerIds[action.customer % customerIds.length]!;
      const customer = await crm.customers.get(id);
      await crm.customers.update(
        id,
        { name: `${action.name.trim() || 'x'} Co` },
        { expectedVersion: customer.version },
      );
      return;
    }
    case 'rename-deal': {
      const deal = pick(action.deal);
      if (deal)
        await crm.deals.update(deal.id, { title: action.title.trim() || 'x' }, { expectedVersion: deal.version });
      return;
    }
    case 'delete': {
      const deal = pick(action.deal);
      if (deal) await crm.deals.remove(deal.id, { expectedVersion: deal.version });
      return;
    }
    case 'add-user':
      await crm.users.create({
        name: `${action.name.trim() || 'x'} Li`,
        email: `user${(users += 1)}@example.com`,
        role: 'rep',
      });
      return;
  }
}
