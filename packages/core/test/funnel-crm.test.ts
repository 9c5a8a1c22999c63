import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictError,
  CrmErrorCode,
  DependantsError,
  DEFAULT_LOST_REASON_CODES,
  DEFAULT_PIPELINE,
  DEFAULT_PIPELINE_ID,
  NotFoundError,
  PermissionError,
  StageGateError,
  StorageError,
  ValidationError,
  canonicalJson,
  createCrm,
  createMemoryStorage,
  funnelReport,
  isCrmError,
  weightedForecast,
  type CrmEventMap,
  type DealInput,
  type QueryOptions,
  type StorageOperations,
  type StoragePort,
} from '@crmkit/core';
import { DEMO_NOW, DEMO_PIPELINE_ID, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);

async function setup(
  options: { role?: 'admin' | 'rep' | 'viewer'; lostReasons?: string[]; storage?: StoragePort } = {},
) {
  let tick = 0;
  let ids = 0;
  const clock = () => new Date(T0 + 60_000 * tick++);
  const storage = options.storage ?? createMemoryStorage({ now: clock });
  const crm = await createCrm({
    storage,
    actor: { id: 'rep-1', role: options.role ?? 'admin' },
    clock,
    timeZone: 'Asia/Shanghai',
    currency: 'CNY',
    idGenerator: () => `id-${++ids}`,
    ...(options.lostReasons ? { lostReasons: options.lostReasons } : {}),
  });
  // The deals here are about customer cus-1: a deal's customer must exist. Stored without a tick of the test's clock.
  if (!(await storage.get('customers', 'cus-1'))) {
    const customer = { kind: 'organisation', name: 'Yunfan', emails: [], phones: [], tags: [], ownerId: 'rep-1' };
    const ticks = tick;
    await storage.put('customers', { ...customer, id: 'cus-1', lifecycleStage: 'subscriber' }, { expectedVersion: 0 });
    tick = ticks;
  }
  const events: { name: string; payload: unknown }[] = [];
  for (const name of [
    'deal.created',
    'deal.updated',
    'deal.stageChanged',
    'pipeline.created',
    'pipeline.updated',
    'pipeline.stageRemoved',
  ] as const) {
    crm.on(name, (payload: CrmEventMap[typeof name]) => events.push({ name, payload }));
  }
  crmOf.set(storage, crm);
  return { crm, storage, events };
}

const erp: DealInput = {
  title: 'ERP pilot',
  customerId: 'cus-1',
  pipelineId: DEFAULT_PIPELINE_ID,
  stageId: 'opportunity',
  amount: { amountMinor: 1_280_000, currency: 'CNY' },
};

/** The CRM over each test's storage, so a snapshot can first let its event-driven aggregates settle. */
const crmOf = new WeakMap<StoragePort, { aggregates: { settled(): Promise<void> } }>();
const snapshotOf = async (storage: StoragePort) => {
  await crmOf.get(storage)?.aggregates.settled();
  return canonicalJson(await storage.exportSnapshot());
};

test('the built-in pipeline is installed once, by ensureDefault or by the first deal in it', async () => {
  const { crm, events, storage } = await setup();
  // Before anything installs it, the built-in pipeline reads as defined (version 0), and reading stores nothing.
  const defined = await crm.pipelines.get(DEFAULT_PIPELINE_ID);
  assert.deepEqual([defined.version, defined.stages], [0, DEFAULT_PIPELINE.stages]);
  assert.equal(await storage.get('pipelines', DEFAULT_PIPELINE_ID), undefined);
  assert.equal(events.length, 0);
  await assert.rejects(crm.pipelines.get('sales-2'), NotFoundError);
  const installed = await crm.pipelines.ensureDefault();
  assert.deepEqual(
    installed.stages.map((s) => s.id),
    ['opportunity', 'proposal', 'won', 'lost'],
  );
  assert.deepEqual(installed.stages, DEFAULT_PIPELINE.stages);
  assert.equal((await crm.pipelines.ensureDefault()).version, 1);
  assert.equal(events.filter((e) => e.name === 'pipeline.created').length, 1);

  const other = await setup();
  const deal = await other.crm.deals.create(erp);
  assert.equal(deal.status, 'open');
  assert.equal((await other.crm.pipelines.get(DEFAULT_PIPELINE_ID)).isDefault, true);
  assert.deepEqual(
    other.events.map((e) => e.name),
    ['pipeline.created', 'deal.created'],
  );
});

test('creating a deal records its first stage change and checks pipeline, stage, status and gate', async () => {
  const { crm, storage } = await setup();
  const deal = await crm.deals.create(erp);
  assert.equal(deal.stageEnteredAt, new Date(T0).toISOString());
  const history = await crm.deals.history(deal.id);
  assert.deepEqual(
    history.map(({ dealId, pipelineId, fromStageId, toStageId, at, by }) => ({
      dealId,
      pipelineId,
      fromStageId,
      toStageId,
      at,
      by,
    })),
    [
      {
        dealId: deal.id,
        pipelineId: 'default',
        fromStageId: null,
        toStageId: 'opportunity',
        at: deal.stageEnteredAt,
        by: 'rep-1',
      },
    ],
  );

  const before = await snapshotOf(storage);
  const fieldsOf = async (input: Partial<DealInput>) => {
    try {
      await crm.deals.create({ ...erp, ...input });
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(await fieldsOf({ pipelineId: 'nope' }), ['pipelineId']);
  assert.deepEqual(await fieldsOf({ stageId: 'nope' }), ['stageId']);
  assert.deepEqual(await fieldsOf({ status: 'won' }), ['status']);
  assert.deepEqual(await fieldsOf({ stageId: 'lost' }), ['lostReason']);
  assert.deepEqual(await fieldsOf({ stageId: 'lost', lostReason: 'Too expensive, said Mr. Wang' }), ['lostReason']);
  await assert.rejects(crm.deals.create({ ...erp, stageId: 'proposal' }), StageGateError);
  assert.equal(await snapshotOf(storage), before);

  const won = await crm.deals.create({ ...erp, stageId: 'won' });
  assert.equal(won.status, 'won');
  assert.equal(won.closedAt, won.stageEnteredAt);
});

test('moveToStage checks the gate and writes nothing when it fails', async () => {
  const { crm, storage, events } = await setup();
  const deal = await crm.deals.create({ ...erp, amount: { amountMinor: 0, currency: 'CNY' } });
  const before = await snapshotOf(storage);
  const eventCount = events.length;
  await assert.rejects(
    crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: deal.version }),
    (error: unknown) => {
      assert.ok(error instanceof StageGateError);
      assert.equal(error.code, 'CRM_STAGE_GATE');
      assert.equal(error.code, CrmErrorCode.stageGate);
      assert.ok(isCrmError(error, 'CRM_STAGE_GATE'));
      assert.deepEqual(error.missingFields, ['expectedCloseDate']);
      assert.deepEqual(error.failedConditions, [{ path: '(root)', fields: ['amount.amountMinor'] }]);
      assert.equal(error.dealId, deal.id);
      assert.equal(error.stageId, 'proposal');
      assert.doesNotMatch(error.message, /ERP|1280000|cus-1/);
      return true;
    },
  );
  assert.equal(await snapshotOf(storage), before);
  assert.equal(events.length, eventCount);
});

test('moveToStage moves, records the change and its audit entry, and emits ids only', async () => {
  const { crm, events } = await setup();
  const deal = await crm.deals.create(erp);
  events.length = 0;
  const moved = await crm.deals.moveToStage(deal.id, 'proposal', {
    values: { expectedCloseDate: '2026-04-30' },
    expectedVersion: 1,
  });
  assert.equal(moved.stageId, 'proposal');
  assert.equal(moved.status, 'open');
  assert.equal(moved.version, 2);
  assert.equal(moved.expectedCloseDate, '2026-04-30');
  const history = await crm.deals.history(deal.id);
  assert.equal(history.length, 2);
  const change = history[1]!;
  assert.deepEqual(
    [change.fromStageId, change.toStageId, change.by, change.at],
    ['opportunity', 'proposal', 'rep-1', moved.stageEnteredAt],
  );
  const [entry] = (await crm.audit.list({ where: { field: 'entityId', op: 'eq', value: deal.id } })).records;
  assert.equal(entry?.action, 'update');
  assert.deepEqual(entry?.changedFields, ['expectedCloseDate', 'stageEnteredAt', 'stageId']);
  assert.deepEqual(
    events.map((e) => e.name),
    ['deal.updated', 'deal.stageChanged'],
  );
  assert.deepEqual(events[1]!.payload, {
    dealId: deal.id,
    pipelineId: 'default',
    fromStageId: 'opportunity',
    toStageId: 'proposal',
    stageChangeId: change.id,
    status: 'open',
    customerId: 'cus-1',
    actorId: 'rep-1',
    at: change.at,
  });
});

test('a stale move is a conflict, even to the stage the deal has since moved to', async () => {
  const { crm } = await setup();
  const deal = await crm.deals.create(erp);
  await crm.deals.moveToStage(deal.id, 'proposal', { values: { expectedCloseDate: '2026-04-30' }, expectedVersion: 1 });
  // Another user moved it to proposal already: the caller's version is stale, which it learns before anything else.
  await assert.rejects(crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: 1 }), {
    code: 'CRM_CONFLICT',
    expectedVersion: 1,
    actualVersion: 2,
  });
  await assert.rejects(crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: 2 }), { code: 'CRM_VALIDATION' });
  assert.equal((await crm.deals.history(deal.id)).length, 2);
});

test('won and lost close the deal; lost needs a configured reason; reopening is allowed and recorded', async () => {
  const { crm } = await setup();
  const deal = await crm.deals.create({ ...erp, expectedCloseDate: '2026-04-30' });
  const at = { expectedVersion: deal.version };
  await assert.rejects(crm.deals.moveToStage(deal.id, 'lost', at), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['lostReason']);
    return true;
  });
  await assert.rejects(crm.deals.moveToStage(deal.id, 'lost', { ...at, lostReason: 'vibes' }), ValidationError);
  await assert.rejects(crm.deals.moveToStage(deal.id, 'proposal', { ...at, lostReason: 'price' }), ValidationError);
  await assert.rejects(crm.deals.moveToStage(deal.id, 'opportunity', at), ValidationError);
  await assert.rejects(crm.deals.moveToStage(deal.id, 'nowhere', at), ValidationError);
  await assert.rejects(crm.deals.moveToStage('missing', 'lost', { force: true }), NotFoundError);

  const lost = await crm.deals.moveToStage(deal.id, 'lost', { ...at, lostReason: 'price' });
  assert.deepEqual([lost.status, lost.lostReason, lost.closedAt], ['lost', 'price', lost.stageEnteredAt]);
  const reopened = await crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: lost.version });
  assert.equal(reopened.status, 'open');
  assert.equal(reopened.closedAt, undefined);
  assert.equal(reopened.lostReason, undefined);
  const won = await crm.deals.moveToStage(deal.id, 'won', { expectedVersion: reopened.version });
  assert.deepEqual([won.status, won.closedAt], ['won', won.stageEnteredAt]);
  assert.deepEqual(
    (await crm.deals.history(deal.id)).map((c) => `${c.fromStageId}→${c.toStageId}`),
    ['null→opportunity', 'opportunity→lost', 'lost→proposal', 'proposal→won'],
  );
  assert.deepEqual(crm.lostReasons, DEFAULT_LOST_REASON_CODES);

  const custom = await setup({ lostReasons: ['too_slow'] });
  const other = await custom.crm.deals.create(erp);
  const otherAt = { expectedVersion: other.version };
  await assert.rejects(
    custom.crm.deals.moveToStage(other.id, 'lost', { ...otherAt, lostReason: 'price' }),
    ValidationError,
  );
  assert.equal(
    (await custom.crm.deals.moveToStage(other.id, 'lost', { ...otherAt, lostReason: 'too_slow' })).lostReason,
    'too_slow',
  );
  await assert.rejects(setup({ lostReasons: [] }), ValidationError);
  await assert.rejects(setup({ lostReasons: ['a', 'a'] }), ValidationError);
});

test('a stale version, a viewer or bad values write nothing', async () => {
  const { crm, storage } = await setup();
  const deal = await crm.deals.create(erp);
  const updated = await crm.deals.update(deal.id, { title: 'ERP pilot, phase 1' }, { expectedVersion: 1 });
  const current = { expectedVersion: updated.version };
  const before = await snapshotOf(storage);
  await assert.rejects(crm.deals.moveToStage(deal.id, 'won', { expectedVersion: 1 }), ConflictError);
  await assert.rejects(
    crm.deals.moveToStage(deal.id, 'won', { ...current, values: { title: '' } }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['title']);
      return true;
    },
  );
  await assert.rejects(
    crm.deals.moveToStage(deal.id, 'won', { ...current, values: { stageId: 'lost' } as never }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['values.stageId']);
      return true;
    },
  );
  assert.equal(await snapshotOf(storage), before);

  const viewer = await setup({ role: 'viewer', storage });
  await assert.rejects(viewer.crm.deals.moveToStage(deal.id, 'won', current), PermissionError);
  assert.equal(await snapshotOf(storage), before);
});

test('update refuses the stage fields; remove deletes the history with the deal', async () => {
  const { crm, storage } = await setup();
  const deal = await crm.deals.create(erp);
  for (const patch of [
    { stageId: 'won' },
    { status: 'won' },
    { closedAt: '2026-03-01T00:00:00Z' },
    { lostReason: 'x' },
  ]) {
    await assert.rejects(crm.deals.update(deal.id, patch as never, { expectedVersion: 1 }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, Object.keys(patch));
      return true;
    });
  }
  const won = await crm.deals.moveToStage(deal.id, 'won', { expectedVersion: deal.version });
  await crm.deals.remove(deal.id, { expectedVersion: won.version });
  assert.equal(await storage.count('stageChanges'), 0);
  await assert.rejects(crm.deals.get(deal.id), NotFoundError);
});

test('pipeline edits: rename, add, update, reorder; a stage holding deals is never dropped silently', async () => {
  const { crm } = await setup();
  const installed = await crm.pipelines.ensureDefault();
  const renamed = await crm.pipelines.rename(
    'default',
    { en: 'New business', 'zh-CN': '新业务' },
    { expectedVersion: installed.version },
  );
  assert.equal(renamed.name.en, 'New business');
  const added = await crm.pipelines.addStage('default', {
    id: 'negotiation',
    name: { en: 'Negotiation', 'zh-CN': '谈判' },
    probability: 0.8,
    kind: 'open',
    gate: { conditions: { field: 'customFields.approved', op: 'eq', value: true } },
  });
  assert.deepEqual(
    added.stages.map((s) => s.id),
    ['opportunity', 'proposal', 'negotiation', 'won', 'lost'],
  );
  assert.deepEqual(added.stages[2]!.gate?.requiredFields, []);
  const updated = await crm.pipelines.updateStage(
    'default',
    'negotiation',
    { probability: 0.7, rottingDays: 7 },
    { expectedVersion: added.version },
  );
  assert.deepEqual([updated.stages[2]!.probability, updated.stages[2]!.rottingDays], [0.7, 7]);
  await assert.rejects(
    crm.pipelines.updateStage('default', 'negotiation', { kind: 'won' } as never, { expectedVersion: updated.version }),
    ValidationError,
  );
  const reordered = await crm.pipelines.reorderStages('default', [
    'opportunity',
    'negotiation',
    'proposal',
    'won',
    'lost',
  ]);
  assert.equal(reordered.stages[1]!.id, 'negotiation');
  await assert.rejects(crm.pipelines.reorderStages('default', ['opportunity', 'won']), ValidationError);
  await assert.rejects(crm.pipelines.addStage('default', { ...added.stages[0]! }), ValidationError);
  await assert.rejects(
    crm.pipelines.rename('default', { en: 'x', 'zh-CN': 'x' }, { expectedVersion: 1 }),
    ConflictError,
  );

  await crm.customFields.create({
    entity: 'deal',
    key: 'approved',
    label: { en: 'Approved', 'zh-CN': '已批准' },
    type: 'boolean',
  });
  await assert.rejects(crm.deals.create({ ...erp, stageId: 'negotiation' }), (error: unknown) => {
    assert.ok(error instanceof StageGateError);
    assert.deepEqual(error.failedConditions, [{ path: '(root)', fields: ['customFields.approved'] }]);
    return true;
  });
  const deal = await crm.deals.create({ ...erp, stageId: 'negotiation', customFields: { approved: true } });
  const { stages } = await crm.pipelines.get('default');
  await assert.rejects(
    crm.pipelines.update(
      'default',
      { stages: stages.filter((s) => s.id !== 'negotiation') },
      { expectedVersion: reordered.version },
    ),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'stages',
  );
  const current = { expectedVersion: (await crm.pipelines.get('default')).version };
  await assert.rejects(crm.pipelines.removeStage('default', 'negotiation', current), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['moveDealsTo']);
    return true;
  });
  await assert.rejects(crm.pipelines.remove('default', current), (error: unknown) => {
    assert.ok(error instanceof DependantsError);
    assert.equal(error.code, 'CRM_HAS_DEPENDANTS');
    assert.deepEqual(error.dependants, { deals: 1 });
    return true;
  });
  assert.equal((await crm.deals.get(deal.id)).stageId, 'negotiation');
});

test('removing a stage moves its deals with history, audit and events, all in one transaction', async () => {
  const { crm, events } = await setup();
  const a = await crm.deals.create(erp);
  const b = await crm.deals.create(erp);
  const c = await crm.deals.create({ ...erp, stageId: 'won' });
  events.length = 0;
  // Moving deals into a lost stage needs a reason for the ones not already lost.
  const at = { expectedVersion: (await crm.pipelines.get('default')).version };
  await assert.rejects(
    crm.pipelines.removeStage('default', 'opportunity', { ...at, moveDealsTo: 'lost' }),
    ValidationError,
  );
  await assert.rejects(
    crm.pipelines.removeStage('default', 'opportunity', { ...at, moveDealsTo: 'opportunity' }),
    ValidationError,
  );
  const { pipeline, movedDeals } = await crm.pipelines.removeStage('default', 'opportunity', {
    ...at,
    moveDealsTo: 'lost',
    lostReason: 'no_decision',
  });
  assert.equal(movedDeals, 2);
  assert.deepEqual(
    pipeline.stages.map((s) => s.id),
    ['proposal', 'won', 'lost'],
  );
  for (const id of [a.id, b.id]) {
    const deal = await crm.deals.get(id);
    assert.deepEqual([deal.stageId, deal.status, deal.lostReason], ['lost', 'lost', 'no_decision']);
    assert.deepEqual(
      (await crm.deals.history(id)).map((h) => h.toStageId),
      ['opportunity', 'lost'],
    );
  }
  assert.equal((await crm.deals.get(c.id)).stageId, 'won');
  assert.deepEqual(
    events.map((e) => e.name),
    [
      'pipeline.updated',
      'deal.updated',
      'deal.stageChanged',
      'deal.updated',
      'deal.stageChanged',
      'pipeline.stageRemoved',
    ],
  );
  assert.deepEqual(events.at(-1)!.payload, {
    pipelineId: 'default',
    stageId: 'opportunity',
    movedToStageId: 'lost',
    movedDeals: 2,
    actorId: 'rep-1',
    at: (events.at(-1)!.payload as { at: string }).at,
  });
  // The report still counts the moved deals: their history names the removed stage, which is skipped.
  const report = await crm.reports.funnel({ pipelineId: 'default', from: '2026-03-01', to: '2026-03-31' });
  assert.equal(report.cohort.deals, 3);
  assert.equal(report.cohort.lost, 2);
});

/** A storage whose transactions fail on the `failAt`-th write to `stageChanges` (counting from 1), when armed. */
function failing(storage: StoragePort) {
  const control = { armed: false, failAt: 1, seen: 0 };
  const wrapped: StoragePort = new Proxy(storage, {
    get(target, key, receiver) {
      if (key === 'transaction') {
        return <T>(body: (tx: StorageOperations) => Promise<T>) =>
          target.transaction((tx) =>
            body(
              new Proxy(tx, {
                get(inner, name, innerReceiver) {
                  if (name === 'put') {
                    return (collection: string, record: never, options: never) => {
                      if (control.armed && collection === 'stageChanges' && ++control.seen === control.failAt) {
                        throw new StorageError('disk full');
                      }
                      return inner.put(collection, record, options);
                    };
                  }
                  const value = Reflect.get(inner, name, innerReceiver);
                  return typeof value === 'function' ? value.bind(inner) : value;
                },
              }),
            ),
          );
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { storage: wrapped, control };
}

test('a move is all or nothing: when its stage change cannot be written, the deal and audit log are untouched', async () => {
  const { storage, control } = failing(createMemoryStorage());
  const { crm, events } = await setup({ storage });
  const a = await crm.deals.create(erp);
  await crm.deals.create(erp);
  const before = await snapshotOf(storage);
  const eventCount = events.length;
  control.armed = true;
  await assert.rejects(crm.deals.moveToStage(a.id, 'won', { expectedVersion: a.version }), StorageError);
  assert.equal(await snapshotOf(storage), before);
  // Removing a stage fails on the second deal's stage change: the first deal's move and the pipeline edit roll back.
  control.seen = 0;
  control.failAt = 2;
  await assert.rejects(
    crm.pipelines.removeStage('default', 'opportunity', { force: true, moveDealsTo: 'won' }),
    StorageError,
  );
  assert.equal(await snapshotOf(storage), before);
  assert.equal(events.length, eventCount);
});

/** A storage that records the queries made through it. */
function spied(storage: StoragePort): {
  storage: StoragePort;
  queries: { collection: string; options?: QueryOptions }[];
} {
  const queries: { collection: string; options?: QueryOptions }[] = [];
  return {
    queries,
    storage: new Proxy(storage, {
      get(target, key, receiver) {
        if (key === 'query') {
          return (collection: string, options?: QueryOptions) => {
            queries.push({ collection, ...(options ? { options } : {}) });
            return target.query(collection, options);
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }),
  };
}

test('crm.reports.funnel equals funnelReport on the same data, with the filters pushed down', async () => {
  const data = generateDemoData({ scale: 2 });
  const memory = createMemoryStorage();
  await memory.importSnapshot(toStorageSnapshot(data));
  const { storage, queries } = spied(memory);
  const crm = await createCrm({
    storage,
    actor: { id: 'analyst', role: 'admin' },
    timeZone: 'Asia/Shanghai',
    clock: () => new Date(DEMO_NOW),
  });
  const request = { pipelineId: DEMO_PIPELINE_ID, from: '2026-01-01', to: '2026-03-31', rates: { USD: 7.2 } };
  const report = await crm.reports.funnel(request);
  const options = {
    from: request.from,
    to: request.to,
    asOf: DEMO_NOW,
    timeZone: 'Asia/Shanghai',
    conversion: { currency: 'CNY', rates: request.rates },
  };
  const expected = funnelReport(
    { pipeline: data.pipelines[0]!, deals: data.deals, stageChanges: data.stageChanges, leads: data.leads },
    options,
  );
  assert.deepEqual(report, expected);
  assert.ok(report.cohort.deals > 0 && report.steps.length === 5);

  queries.length = 0;
  const owner = data.deals[0]!.ownerId!;
  const mine = await crm.reports.funnel({ ...request, ownerId: owner, source: 'referral' });
  const deals = data.deals.filter((d) => d.ownerId === owner && d.source === 'referral');
  const leads = data.leads.filter((l) => l.ownerId === owner && l.source === 'referral');
  assert.deepEqual(
    mine,
    funnelReport({ pipeline: data.pipelines[0]!, deals, stageChanges: data.stageChanges, leads }, options),
  );
  const dealQuery = queries.find((q) => q.collection === 'deals')!;
  assert.deepEqual(dealQuery.options?.where, {
    all: [
      { field: 'pipelineId', op: 'eq', value: DEMO_PIPELINE_ID },
      { field: 'ownerId', op: 'eq', value: owner },
      { field: 'source', op: 'eq', value: 'referral' },
    ],
  });
  // History is fetched for those deals only, by id.
  const historyQueries = queries.filter((q) => q.collection === 'stageChanges');
  assert.ok(historyQueries.length >= 1);
  for (const query of historyQueries) assert.equal((query.options?.where as { op: string }).op, 'in');
  const leadQuery = queries.find((q) => q.collection === 'leads')!;
  assert.deepEqual((leadQuery.options?.where as { all: unknown[] }).all.slice(1), [
    { field: 'ownerId', op: 'eq', value: owner },
    { field: 'source', op: 'eq', value: 'referral' },
  ]);

  await assert.rejects(crm.reports.funnel({ ...request, pipelineId: 'nope' }), NotFoundError);
  await assert.rejects(crm.reports.funnel({ ...request, from: 'soon' }), ValidationError);
});

test('crm.reports.forecast equals weightedForecast, and names a missing exchange rate', async () => {
  const data = generateDemoData({ scale: 2 });
  const storage = createMemoryStorage();
  await storage.importSnapshot(toStorageSnapshot(data));
  const crm = await createCrm({ storage, actor: { id: 'analyst', role: 'admin' }, timeZone: 'Asia/Shanghai' });
  await assert.rejects(crm.reports.forecast({ pipelineId: DEMO_PIPELINE_ID }), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['rates.USD']);
    assert.match(error.message, /USD/);
    return true;
  });
  const forecast = await crm.reports.forecast({ pipelineId: DEMO_PIPELINE_ID, rates: { USD: 7.2 } });
  const expected = weightedForecast(
    { pipelines: data.pipelines, deals: data.deals.filter((d) => d.status !== 'lost') },
    { currency: 'CNY', rates: { USD: 7.2 }, timeZone: 'Asia/Shanghai' },
  );
  assert.deepEqual(forecast, expected);
  assert.ok(forecast.total.weighted > 0 && forecast.total.won > 0);
  const all = await crm.reports.forecast({ rates: { USD: 7.2 }, from: '2026-07', to: '2026-09' });
  assert.deepEqual(
    all.months.map((m) => m.month),
    ['2026-07', '2026-08', '2026-09'],
  );
});
