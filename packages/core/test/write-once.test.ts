/**
 * Each thing done once (issue 17): a capture validates the lead once and normalises its phone once (it validated the
 * lead 3 times before: input, again with its score, and the stored record on the way out); a deal is validated once
 * on create and on a move (3 and 2 times before); a conversion creates its deal through the deal service's own
 * in-transaction function; a move returns the stored deal. Counted by spying on one field schema each entity alone
 * uses (`name` of a lead, `amount` of a deal), which every parse of the entity runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStorage } from '@crmkit/core';
import { CrmEvents } from '../src/kernel/events.js';
import { createContext } from '../src/kernel/context.js';
import { createDealService, type DealWriter } from '../src/funnel/deal.service.js';
import { createLeadService } from '../src/leads/index.js';
import { extendedLeadInputSchema } from '../src/leads/schema.js';
import { dealInputSchema } from '../src/model/deal.js';

/** Counts the runs of a field schema's parser from now on. */
function countRuns(schema: unknown): { readonly count: number; reset(): void } {
  const zod = (schema as { _zod: { run: (...args: unknown[]) => unknown } })._zod;
  const run = zod.run;
  let count = 0;
  zod.run = function (this: unknown, ...args: unknown[]) {
    count++;
    return run.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}

function setup() {
  const storage = createMemoryStorage();
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'actor', role: 'admin' },
    events: new CrmEvents(),
    clock: () => new Date(Date.UTC(2026, 0, 5)),
    idGenerator: () => `id-${++ids}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  return { storage, context };
}

const leadName = countRuns((extendedLeadInputSchema as unknown as { shape: { name: unknown } }).shape.name);
const dealAmount = countRuns((dealInputSchema as unknown as { shape: { amount: unknown } }).shape.amount);

test('a capture validates the lead once and normalises its phone once', async () => {
  const { context } = setup();
  let normalised = 0;
  const leads = createLeadService(context, {
    assignment: false,
    normalisePhone: () => {
      normalised++;
      return '+8613800138000';
    },
  });
  leadName.reset();
  const { lead } = await leads.capture({ name: ' Li  Wei ', phone: '138 0013 8000', country: 'CN' }, { source: 'web' });
  assert.equal(leadName.count, 1);
  assert.equal(normalised, 1);
  assert.equal(lead.name, 'Li Wei');
  assert.equal(lead.phone, '+8613800138000');
});

test('a deal is validated once on create and once on a move, which returns the stored deal', async () => {
  const { context, storage } = setup();
  const deals = createDealService(context, ['price']);
  // The deal's customer must exist.
  const customer = { kind: 'organisation', name: 'Acme', emails: [], phones: [], tags: [], lifecycleStage: 'lead' };
  await storage.put('customers', { ...customer, id: 'c1', ownerId: 'actor' }, { expectedVersion: 0 });
  dealAmount.reset();
  const deal = await deals.create({
    title: 'Fleet renewal',
    customerId: 'c1',
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 100, currency: 'CNY' },
  });
  assert.equal(dealAmount.count, 1);
  dealAmount.reset();
  const moved = await deals.moveToStage(deal.id, 'proposal', {
    values: { expectedCloseDate: '2026-03-01' },
    expectedVersion: deal.version,
  });
  assert.equal(dealAmount.count, 1, 'the move values are a patch; the deal itself is validated once');
  assert.deepEqual(moved, await storage.get('deals', deal.id), 'the board can use it without reading it again');
});

test('a conversion creates its deal through the deal service’s in-transaction function', async () => {
  const { context } = setup();
  const deals = createDealService(context, ['price']);
  const calls: unknown[][] = [];
  const writer: DealWriter = {
    createIn: (...args) => {
      calls.push(args);
      return deals.createIn(...args);
    },
  };
  const leads = createLeadService(context, { assignment: false }, writer);
  const { lead } = await leads.capture({ name: 'Ada Lovelace', company: 'Analytical Engines' }, { source: 'web' });
  dealAmount.reset();
  const result = await leads.convert(lead.id, { deal: { amount: { amountMinor: 500, currency: 'CNY' } } });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]?.[3], ['deal'], 'its validation paths start at deal, as in the options');
  // Once as the options' deal values (a patch, like any option), once as the deal: no third check of the stored deal.
  assert.equal(dealAmount.count, 2);
  assert.equal(result.deal.amount.amountMinor, 500);
  assert.deepEqual(
    (await deals.history(result.deal.id)).map((change) => [change.fromStageId, change.toStageId]),
    [[null, result.deal.stageId]],
  );
});
