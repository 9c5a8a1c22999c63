import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CRM_COLLECTIONS,
  ConflictError,
  ValidationError,
  activityInputSchema,
  activitySchema,
  contactInputSchema,
  contactSchema,
  costEntryInputSchema,
  createCrm,
  createMemoryStorage,
  customerInputSchema,
  customerSchema,
  dealInputSchema,
  dealSchema,
  leadInputSchema,
  leadSchema,
  parseOrThrow,
  pipelineInputSchema,
  pipelineSchema,
  stageChangeInputSchema,
  stageChangeSchema,
  taskInputSchema,
  taskSchema,
  teamInputSchema,
  teamSchema,
  userInputSchema,
  userSchema,
  type ChangeEvent,
} from '@crmkit/core';
import {
  DEMO_COLLECTIONS,
  DEMO_NOW,
  DEMO_PIPELINE_ID,
  createRandom,
  generateDemoData,
  seedStorage,
  toStorageSnapshot,
  type DemoCollection,
  type DemoData,
} from '@crmkit/core/testing';

const DAY = 86_400_000;
const NOW = Date.parse(DEMO_NOW);

/** The input and record schema of each collection's entity (cost entries have no record schema of their own). */
const schemas = {
  users: [userInputSchema, userSchema],
  teams: [teamInputSchema, teamSchema],
  pipelines: [pipelineInputSchema, pipelineSchema],
  customers: [customerInputSchema, customerSchema],
  contacts: [contactInputSchema, contactSchema],
  leads: [leadInputSchema, leadSchema],
  deals: [dealInputSchema, dealSchema],
  stageChanges: [stageChangeInputSchema, stageChangeSchema],
  activities: [activityInputSchema, activitySchema],
  tasks: [taskInputSchema, taskSchema],
  costEntries: [costEntryInputSchema, undefined],
} as const satisfies Record<DemoCollection, readonly [unknown, unknown]>;

const records = (data: DemoData, collection: DemoCollection): readonly Record<string, unknown>[] =>
  data[collection] as unknown as readonly Record<string, unknown>[];

const byId = <T extends { id: string }>(items: readonly T[]): Map<string, T> =>
  new Map(items.map((item) => [item.id, item]));

const time = (iso: string | undefined): number => {
  assert.ok(iso, 'expected an instant');
  return Date.parse(iso);
};

const hasChinese = (text: string): boolean => /[\u4e00-\u9fff]/.test(text);

const defaults = generateDemoData();
const data = defaults;

describe('generateDemoData: shape and validity', () => {
  test('default counts follow 60 customers', () => {
    const counts = Object.fromEntries(DEMO_COLLECTIONS.map((collection) => [collection, data[collection].length]));
    assert.deepEqual(
      { ...counts, contacts: undefined, stageChanges: undefined, costEntries: undefined },
      {
        users: 8,
        teams: 2,
        pipelines: 1,
        customers: 60,
        contacts: undefined,
        leads: 90,
        deals: 100,
        stageChanges: undefined,
        activities: 400,
        tasks: 90,
        costEntries: undefined,
      },
    );
    const organisations = data.customers.filter((customer) => customer.kind === 'organisation').length;
    assert.ok(data.contacts.length >= organisations && data.contacts.length <= organisations * 3);
    assert.ok(data.stageChanges.length >= data.deals.length && data.stageChanges.length <= data.deals.length * 3);
    // Marketing spend: for every lead source, an entry for each local month of the last 365 days (and currency).
    const months = new Set(data.costEntries.map((entry) => entry.from.slice(0, 7)));
    assert.equal(months.size, 12);
    for (const source of new Set(data.leads.map((lead) => lead.source))) {
      const own = data.costEntries.filter((entry) => entry.source === source);
      assert.deepEqual(new Set(own.map((entry) => entry.from.slice(0, 7))), months, String(source));
    }
  });

  test('the collections are CRM collections, written referenced-first', () => {
    for (const collection of DEMO_COLLECTIONS) assert.ok((CRM_COLLECTIONS as readonly string[]).includes(collection));
    assert.deepEqual(Object.keys(data).sort(), [...DEMO_COLLECTIONS].sort());
  });

  test('every record is already in the parsed form of its input schema, and a valid stored record at version 1', () => {
    for (const seed of [1, 2]) {
      const generated = seed === 1 ? data : generateDemoData({ seed });
      for (const collection of DEMO_COLLECTIONS) {
        const [input, record] = schemas[collection];
        for (const item of records(generated, collection)) {
          // Input schemas carry no id or timestamps: they would be stripped anyway, but leave no doubt.
          const { id, createdAt, updatedAt, ...fields } = item;
          const where = `${collection} ${String(id)}`;
          assert.deepEqual(parseOrThrow(input, fields, where), fields, `${where} is not in canonical form`);
          if (record) assert.deepEqual(parseOrThrow(record, { ...item, version: 1 }, where), { ...item, version: 1 });
          assert.equal(typeof createdAt, 'string');
          assert.equal(typeof updatedAt, 'string');
        }
      }
    }
  });

  test('ids are unique, prefixed, zero-padded and ascending', () => {
    const prefixes = new Set<string>();
    for (const collection of DEMO_COLLECTIONS) {
      const ids = data[collection].map((item) => item.id);
      assert.equal(new Set(ids).size, ids.length, collection);
      assert.deepEqual([...ids].sort(), ids, `${collection} not in id order`);
      for (const id of ids) assert.match(id, /^[a-z]+-\d{4}$/);
      prefixes.add(ids[0]!.split('-')[0]!);
    }
    assert.equal(prefixes.size, DEMO_COLLECTIONS.length, 'each collection has its own id prefix');
    assert.equal(data.customers[0]!.id, 'cus-0001');
    assert.equal(data.pipelines[0]!.id, DEMO_PIPELINE_ID);
  });

  test('timestamps are UTC ISO instants in the 12 months before now; updates follow creation', () => {
    const start = NOW - 365 * DAY;
    const instantKeys = ['createdAt', 'updatedAt', 'at', 'occurredAt', 'closedAt', 'stageEnteredAt', 'completedAt'];
    for (const collection of DEMO_COLLECTIONS) {
      for (const item of records(data, collection)) {
        for (const key of instantKeys) {
          const value = item[key];
          if (value === undefined) continue;
          assert.match(String(value), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${collection}.${key}`);
          const ms = Date.parse(String(value));
          assert.ok(ms >= start && ms <= NOW, `${collection} ${String(item['id'])} ${key} ${String(value)}`);
        }
        assert.ok(time(item['updatedAt'] as string) >= time(item['createdAt'] as string), String(item['id']));
      }
    }
  });
});

const larger = generateDemoData({ seed: 3, customers: 600 });

for (const [label, data] of [
  ['defaults', defaults],
  ['seed 3, 600 customers', larger],
] as const) {
  describe(`generateDemoData: referential integrity and history (${label})`, () => {
    const users = byId(data.users);
    const teams = byId(data.teams);
    const customers = byId(data.customers);
    const contacts = byId(data.contacts);
    const leads = byId(data.leads);
    const deals = byId(data.deals);
    const pipeline = data.pipelines[0]!;

    test('every owner, assignee and mover is an existing user; teams and members agree', () => {
      const ownerIds = [
        ...data.customers.map((item) => item.ownerId),
        ...data.leads.map((item) => item.ownerId),
        ...data.deals.map((item) => item.ownerId),
        ...data.activities.map((item) => item.ownerId),
        ...data.tasks.map((item) => item.assigneeId),
        ...data.stageChanges.map((item) => item.by),
        ...data.teams.map((item) => item.managerId),
      ];
      for (const id of ownerIds) if (id !== undefined) assert.ok(users.has(id), `unknown user ${id}`);
      for (const user of data.users) {
        if (user.teamId === undefined) continue;
        assert.ok(teams.get(user.teamId)?.memberIds.includes(user.id), `${user.id} missing from ${user.teamId}`);
      }
      for (const team of data.teams) {
        for (const member of team.memberIds) assert.equal(users.get(member)?.teamId, team.id);
        assert.equal(users.get(team.managerId!)?.role, 'manager');
      }
      // Open work is never left with someone who has left.
      for (const task of data.tasks) if (task.status === 'open') assert.ok(users.get(task.assigneeId)!.active);
    });

    test('contacts belong to organisations and were added after them', () => {
      for (const contact of data.contacts) {
        const customer = customers.get(contact.customerId);
        assert.equal(customer?.kind, 'organisation', contact.id);
        assert.ok(time(contact.createdAt) >= time(customer.createdAt));
      }
      for (const customer of data.customers.filter((item) => item.kind === 'organisation')) {
        const own = data.contacts.filter((contact) => contact.customerId === customer.id);
        assert.equal(own.filter((contact) => contact.primary).length, 1, `${customer.id} has one primary contact`);
      }
    });

    test('deals point at existing customers and the pipeline, and were created after their customer', () => {
      const stageIds = new Set(pipeline.stages.map((stage) => stage.id));
      for (const deal of data.deals) {
        const customer = customers.get(deal.customerId);
        assert.ok(customer, deal.id);
        assert.equal(deal.pipelineId, pipeline.id);
        assert.ok(stageIds.has(deal.stageId));
        assert.ok(time(deal.createdAt) >= time(customer.createdAt), deal.id);
      }
    });

    test('stage history brings each deal to its current stage, in funnel order, at increasing times', () => {
      const order = new Map(pipeline.stages.map((stage, index) => [stage.id, index]));
      const kinds = new Map(pipeline.stages.map((stage) => [stage.id, stage.kind]));
      const history = new Map<string, typeof data.stageChanges>();
      for (const change of data.stageChanges) {
        assert.ok(deals.has(change.dealId), change.id);
        assert.equal(change.pipelineId, pipeline.id);
        history.set(change.dealId, [...(history.get(change.dealId) ?? []), change]);
      }
      assert.equal(history.size, data.deals.length, 'every deal has a history');
      for (const deal of data.deals) {
        const changes = history.get(deal.id)!;
        assert.equal(changes[0]!.fromStageId, null);
        assert.equal(changes[0]!.toStageId, 'opportunity');
        assert.equal(changes[0]!.at, deal.createdAt, `${deal.id} enters the pipeline when created`);
        for (let index = 1; index < changes.length; index++) {
          const [before, after] = [changes[index - 1]!, changes[index]!];
          assert.equal(after.fromStageId, before.toStageId, deal.id);
          assert.ok(order.get(after.toStageId)! > order.get(before.toStageId)!, `${deal.id} moves forward`);
          assert.ok(time(after.at) > time(before.at), `${deal.id} history times increase`);
        }
        const last = changes[changes.length - 1]!;
        assert.equal(last.toStageId, deal.stageId);
        assert.equal(deal.stageEnteredAt, last.at);
        assert.equal(deal.status, kinds.get(deal.stageId));
        if (deal.status === 'open') {
          assert.equal(deal.closedAt, undefined);
        } else {
          assert.equal(deal.closedAt, last.at, `${deal.id} is closed when it reached ${deal.stageId}`);
          // The day it closed on in the CRM's time zone.
          assert.equal(deal.expectedCloseDate, localDate(time(deal.closedAt), ZONE));
        }
        assert.equal(deal.lostReason !== undefined, deal.status === 'lost');
        assert.ok(!changes.some((change) => change !== last && kinds.get(change.toStageId) !== 'open'));
      }
    });

    test('converted leads became their customer and its first deal, before the customer existed', () => {
      const converted = data.leads.filter((lead) => lead.status === 'converted');
      assert.ok(converted.length > 0);
      const customerIds = new Set<string>();
      for (const lead of converted) {
        const customer = customers.get(lead.convertedCustomerId!);
        assert.ok(customer, lead.id);
        assert.ok(!customerIds.has(customer.id), 'one lead per customer');
        customerIds.add(customer.id);
        assert.ok(time(lead.createdAt) < time(customer.createdAt));
        if (lead.convertedDealId !== undefined) assert.equal(deals.get(lead.convertedDealId)?.customerId, customer.id);
      }
      for (const lead of data.leads.filter((item) => item.status !== 'converted')) {
        assert.equal(lead.convertedCustomerId, undefined);
        assert.equal(lead.convertedDealId, undefined);
        assert.equal(lead.disqualifyReason !== undefined, lead.status === 'disqualified');
      }
    });

    test('activities are about existing records and happened during their life', () => {
      for (const activity of data.activities) {
        assert.ok(activity.customerId ?? activity.leadId, `${activity.id} is about someone`);
        let from = -Infinity;
        let to = NOW;
        if (activity.customerId !== undefined) {
          const customer = customers.get(activity.customerId);
          assert.ok(customer, activity.id);
          from = time(customer.createdAt);
        }
        if (activity.contactId !== undefined) {
          const contact = contacts.get(activity.contactId);
          assert.ok(contact, activity.id);
          assert.equal(contact?.customerId, activity.customerId, `${activity.id} contact works at the customer`);
          from = Math.max(from, time(contact.createdAt));
        }
        if (activity.dealId !== undefined) {
          const deal = deals.get(activity.dealId);
          assert.ok(deal, activity.id);
          assert.equal(deal?.customerId, activity.customerId, `${activity.id} deal is the customer's`);
          from = Math.max(from, time(deal.createdAt));
          if (deal.closedAt) to = time(deal.closedAt);
        }
        if (activity.leadId !== undefined) {
          const lead = leads.get(activity.leadId);
          assert.ok(lead, activity.id);
          from = time(lead.createdAt);
        }
        const at = time(activity.occurredAt);
        assert.ok(at >= from && at <= to, `${activity.id} at ${activity.occurredAt}`);
        assert.equal(activity.createdAt, activity.occurredAt);
      }
      assert.deepEqual(
        data.activities.map((activity) => activity.occurredAt),
        data.activities.map((activity) => activity.occurredAt).sort(),
        'ids follow time',
      );
    });

    test("tasks' related records exist, and tasks were created after them", () => {
      const collections = { customer: customers, contact: contacts, lead: leads, deal: deals };
      for (const task of data.tasks) {
        if (task.related) {
          const related = collections[task.related.kind].get(task.related.id);
          assert.ok(related, `${task.id} → ${task.related.kind} ${task.related.id}`);
          assert.ok(time(task.createdAt) >= time(related.createdAt), task.id);
          if (task.status === 'open' && task.related.kind === 'deal')
            assert.equal(deals.get(task.related.id)!.status, 'open');
        }
        assert.equal(task.completedAt !== undefined, task.status === 'done', task.id);
        if (task.completedAt) assert.ok(time(task.completedAt) >= time(task.createdAt));
      }
    });
  });
}

describe('generateDemoData: variety', () => {
  test('customers mix English and Chinese about half and half, people and organisations, CN, US and others', () => {
    for (const generated of [
      data,
      generateDemoData({ customers: 1000, deals: 0, leads: 0, activities: 0, tasks: 0 }),
    ]) {
      const chinese = generated.customers.filter((customer) => hasChinese(customer.name)).length;
      const share = chinese / generated.customers.length;
      assert.ok(share > 0.35 && share < 0.65, `Chinese share ${share}`);
    }
    const kinds = new Set(data.customers.map((customer) => customer.kind));
    assert.deepEqual([...kinds].sort(), ['organisation', 'person']);
    const countries = new Set(data.customers.map((customer) => customer.country));
    assert.ok(countries.has('CN') && countries.has('US') && countries.size > 2, [...countries].join());
    const zhOrganisation = data.customers.find((item) => item.kind === 'organisation' && hasChinese(item.name));
    assert.match(zhOrganisation!.name, /^[\u4e00-\u9fff]+(有限公司|股份有限公司)$/);
    const zhPerson = data.customers.find((item) => item.kind === 'person' && hasChinese(item.name))!;
    assert.equal(zhPerson.name, `${zhPerson.familyName}${zhPerson.givenName}`);
  });

  test('phones use +86 and +1 formats; every email is at a reserved example domain', () => {
    const phones = [...data.customers, ...data.contacts].flatMap((item) => item.phones);
    assert.ok(
      phones.some((phone) => /^\+86 1\d\d \d{4} \d{4}$/.test(phone)),
      'a Chinese mobile',
    );
    assert.ok(
      phones.some((phone) => /^\+1 \d{3}-555-01\d\d$/.test(phone)),
      'a North American number',
    );
    const emails = [
      ...[...data.customers, ...data.contacts].flatMap((item) => item.emails),
      ...data.leads.flatMap((lead) => (lead.email ? [lead.email] : [])),
      ...data.users.map((user) => user.email),
    ];
    for (const email of emails) assert.match(email, /@([a-z0-9-]+\.example|example\.(com|net|org))$/);
  });

  test('sources, tags and lifecycle stages cover the vocabulary', () => {
    const sources = new Set(data.customers.map((customer) => customer.source));
    for (const source of ['website', 'referral', 'trade_show', 'wechat', 'cold_call', 'ads']) {
      assert.ok(sources.has(source), source);
    }
    const tags = new Set(data.customers.flatMap((customer) => customer.tags));
    assert.ok(tags.has('vip') && tags.has('key_account'));
    assert.ok(new Set(data.customers.map((customer) => customer.lifecycleStage)).size >= 4);
  });

  test('users have admin, manager and rep roles, capacities, and one has left', () => {
    assert.deepEqual([...new Set(data.users.map((user) => user.role))].sort(), ['admin', 'manager', 'rep']);
    assert.ok(data.users.filter((user) => user.role === 'rep').every((user) => user.capacity !== undefined));
    assert.ok(data.users.some((user) => !user.active));
  });

  test('leads cover every status, with scores and sources', () => {
    assert.deepEqual([...new Set(data.leads.map((lead) => lead.status))].sort(), [
      'converted',
      'disqualified',
      'new',
      'qualified',
      'working',
    ]);
    for (const lead of data.leads) assert.ok(Number.isInteger(lead.score) && lead.score >= 0 && lead.score <= 100);
    assert.ok(data.leads.every((lead) => lead.source !== undefined));
  });

  test('the default pipeline: opportunity 商机, proposal 报价/提案, won 成交, lost 输单', () => {
    const [pipeline] = data.pipelines;
    assert.equal(pipeline!.isDefault, true);
    assert.deepEqual(
      pipeline!.stages.map((stage) => [stage.id, stage.name['zh-CN'], stage.kind]),
      [
        ['opportunity', '商机', 'open'],
        ['proposal', '报价/提案', 'open'],
        ['won', '成交', 'won'],
        ['lost', '输单', 'lost'],
      ],
    );
    for (const stage of pipeline!.stages) {
      assert.ok(stage.name.en.length > 0 && stage.probability >= 0 && stage.probability <= 1);
      assert.equal(stage.rottingDays !== undefined, stage.kind === 'open');
    }
  });

  test('deals spread over every stage, in CNY (Chinese customers) and USD, in integer minor units', () => {
    const customers = byId(data.customers);
    assert.equal(new Set(data.deals.map((deal) => deal.stageId)).size, 4);
    const currencies = new Set(data.deals.map((deal) => deal.amount.currency));
    assert.deepEqual([...currencies].sort(), ['CNY', 'USD']);
    for (const deal of data.deals) {
      assert.ok(Number.isSafeInteger(deal.amount.amountMinor) && deal.amount.amountMinor > 0);
      assert.equal(deal.amount.currency === 'CNY', customers.get(deal.customerId)!.country === 'CN', deal.id);
    }
    assert.ok(data.deals.some((deal) => hasChinese(deal.title)) && data.deals.some((deal) => !hasChinese(deal.title)));
  });

  test('activities of every type, with consistent directions', () => {
    assert.equal(new Set(data.activities.map((activity) => activity.type)).size, 7);
    for (const activity of data.activities) {
      if (activity.type === 'note') assert.equal(activity.direction, 'internal');
      else assert.notEqual(activity.direction, 'internal');
      if (activity.type === 'web_visit') assert.equal(activity.ownerId, undefined);
    }
    assert.ok(data.activities.some((activity) => activity.channel === 'wechat'));
  });

  test('tasks: some overdue, some due within a week, some done', () => {
    const open = data.tasks.filter((task) => task.status === 'open');
    assert.ok(
      open.some((task) => time(task.dueAt) < NOW),
      'overdue',
    );
    assert.ok(
      open.some((task) => time(task.dueAt) > NOW && time(task.dueAt) <= NOW + 7 * DAY),
      'due soon',
    );
    assert.ok(
      data.tasks.some((task) => task.status === 'done'),
      'done',
    );
    assert.ok(
      data.tasks.some((task) => task.related === undefined),
      'a personal to-do',
    );
  });
});

describe('generateDemoData: determinism and options', () => {
  test('the same seed gives byte-identical output; another seed does not', () => {
    const a = JSON.stringify(generateDemoData({ seed: 7 }));
    assert.equal(JSON.stringify(generateDemoData({ seed: 7 })), a);
    assert.notEqual(JSON.stringify(generateDemoData({ seed: 8 })), a);
    assert.equal(JSON.stringify(generateDemoData({ seed: 1, now: new Date(DEMO_NOW) })), JSON.stringify(data));
  });

  test('uses neither Math.random nor the system clock', (t) => {
    const forbidden = () => {
      throw new Error('nondeterministic call');
    };
    t.mock.method(Math, 'random', forbidden);
    t.mock.method(Date, 'now', forbidden);
    t.mock.method(globalThis.crypto, 'getRandomValues', forbidden);
    t.mock.method(globalThis.crypto, 'randomUUID', forbidden);
    assert.equal(JSON.stringify(generateDemoData()), JSON.stringify(data));
  });

  test('collections draw from separate streams: more tasks leave the customers and deals unchanged', () => {
    const more = generateDemoData({ tasks: 500, activities: 10 });
    assert.deepEqual(more.customers, data.customers);
    assert.deepEqual(more.deals, data.deals);
    assert.equal(more.tasks.length, 500);
  });

  test('now moves the whole window', () => {
    const now = new Date('2030-01-15T09:30:00.000Z');
    const shifted = generateDemoData({ now, customers: 20 });
    const created = shifted.deals.map((deal) => time(deal.createdAt));
    assert.ok(Math.max(...created) <= now.getTime() && Math.min(...created) >= now.getTime() - 365 * DAY);
  });

  test('scale multiplies the default counts; explicit counts win', () => {
    const scaled = generateDemoData({ scale: 2, activities: 5 });
    assert.equal(scaled.customers.length, 120);
    assert.equal(scaled.deals.length, 200);
    assert.equal(scaled.leads.length, 180);
    assert.equal(scaled.activities.length, 5);
    const custom = generateDemoData({ customers: 10, users: 2, teams: 1, leads: 3, deals: 4, activities: 6, tasks: 7 });
    assert.deepEqual(
      [custom.customers, custom.users, custom.teams, custom.leads, custom.deals, custom.activities, custom.tasks].map(
        (list) => list.length,
      ),
      [10, 2, 1, 3, 4, 6, 7],
    );
  });

  test('empty data sets are fine; impossible or invalid options are refused', () => {
    const empty = generateDemoData({ customers: 0, leads: 0, deals: 0, activities: 0, tasks: 0, users: 1 });
    assert.equal(empty.users.length, 1);
    assert.equal(empty.customers.length + empty.deals.length + empty.activities.length, 0);
    const onlyTodos = generateDemoData({ customers: 0, leads: 0, deals: 0, activities: 0, tasks: 3 });
    assert.ok(onlyTodos.tasks.every((task) => task.related === undefined));
    const refused = (options: Parameters<typeof generateDemoData>[0], field: string) =>
      assert.throws(
        () => generateDemoData(options),
        (error: unknown) => error instanceof ValidationError && error.fields.includes(field),
        field,
      );
    refused({ customers: 0, deals: 1 }, 'deals');
    refused({ customers: 0, leads: 0, activities: 1 }, 'activities');
    refused({ customers: -1 }, 'customers');
    refused({ deals: 1.5 }, 'deals');
    refused({ users: 0 }, 'users');
    refused({ scale: 0 }, 'scale');
    refused({ seed: Number.NaN }, 'seed');
    refused({ now: new Date('nope') }, 'now');
    refused({ timeZone: 'Mars/Olympus_Mons' }, 'timeZone');
  });

  test('10 000 deals at scale 100, with wider ids, stay consistent', () => {
    // No timing assertion (benchmarks measure speed); this guards that large runs stay correct.
    const large = generateDemoData({ scale: 100 });
    assert.equal(large.deals.length, 10_000);
    assert.equal(large.deals.at(-1)!.id, 'del-10000');
    assert.equal(large.deals[0]!.id, 'del-00001');
    const customerIds = new Set(large.customers.map((customer) => customer.id));
    const userIds = new Set(large.users.map((user) => user.id));
    for (const deal of large.deals) assert.ok(customerIds.has(deal.customerId) && userIds.has(deal.ownerId!));
    const dealIds = new Set(large.deals.map((deal) => deal.id));
    for (const activity of large.activities) if (activity.dealId) assert.ok(dealIds.has(activity.dealId));
    assert.equal(new Set(large.deals.map((deal) => deal.title)).size, large.deals.length, 'unique titles');
  });
});

describe('seedStorage', () => {
  const small = generateDemoData({ customers: 12 });
  const expected = Object.fromEntries(DEMO_COLLECTIONS.map((collection) => [collection, small[collection].length]));

  test('writes everything in one transaction and returns the counts', async () => {
    const storage = createMemoryStorage({ now: () => new Date(DEMO_NOW) });
    const batches: (readonly ChangeEvent[])[] = [];
    storage.subscribe((events) => batches.push(events));
    const counts = await seedStorage(storage, small);
    assert.deepEqual(counts, expected);
    for (const collection of DEMO_COLLECTIONS) assert.equal(await storage.count(collection), expected[collection]);
    assert.equal(batches.length, 1, 'one committed transaction');
    assert.equal(
      batches[0]!.length,
      Object.values(expected).reduce((sum, n) => sum + n, 0),
    );
    const stored = await storage.get('customers', 'cus-0001');
    const { createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = small.customers[0]!;
    assert.deepEqual(stored, { ...fields, version: 1, createdAt: DEMO_NOW, updatedAt: DEMO_NOW });
  });

  test('seeded data reads back through createCrm', async () => {
    const storage = createMemoryStorage();
    await seedStorage(storage, small);
    const crm = await createCrm({ storage, actor: { id: 'usr-0001', role: 'admin' } });
    const deal = await crm.deals.get('del-0001');
    assert.equal(deal.customerId, small.deals[0]!.customerId);
    assert.equal((await crm.customers.list()).records.length, small.customers.length);
    assert.equal(await crm.tasks.count(), small.tasks.length);
  });

  test('a failing write rolls every collection back', async () => {
    const storage = createMemoryStorage();
    // A task with a generated id already exists: its create (expectedVersion 0) conflicts, after every other
    // collection has been written inside the transaction.
    await storage.put('tasks', { id: 'tsk-0001', title: 'Already here' }, { expectedVersion: 0 });
    const batches: (readonly ChangeEvent[])[] = [];
    storage.subscribe((events) => batches.push(events));
    await assert.rejects(seedStorage(storage, small), ConflictError);
    for (const collection of DEMO_COLLECTIONS) {
      assert.equal(await storage.count(collection), collection === 'tasks' ? 1 : 0, collection);
    }
    assert.deepEqual(await storage.get('tasks', 'tsk-0001').then((task) => task?.['title']), 'Already here');
    assert.equal(batches.length, 0, 'nothing committed');
  });

  test('toStorageSnapshot keeps the generated timestamps through importSnapshot', async () => {
    const storage = createMemoryStorage();
    await storage.importSnapshot(toStorageSnapshot(small));
    for (const collection of DEMO_COLLECTIONS) assert.equal(await storage.count(collection), expected[collection]);
    const deal = await storage.get('deals', 'del-0001');
    assert.equal(deal?.createdAt, small.deals[0]!.createdAt);
    assert.equal(deal?.version, 1);
    const crm = await createCrm({ storage, actor: { id: 'usr-0001', role: 'admin' } });
    assert.equal((await crm.activities.list({ limit: 1 })).records[0]!.id, 'act-0001');
  });
});

describe('createRandom', () => {
  test('is deterministic per seed, and forks are independent but reproducible', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    const a = createRandom(42).fork('x');
    const b = createRandom(42).fork('x');
    const c = createRandom(42).fork('y');
    const [x, y, z] = [a.next(), b.next(), c.next()];
    assert.equal(x, y);
    assert.notEqual(x, z);
  });

  test('stays in range and is roughly uniform', () => {
    const random = createRandom(3);
    const buckets = new Array<number>(10).fill(0);
    for (let index = 0; index < 100_000; index++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1);
      buckets[Math.floor(value * 10)]!++;
      const int = random.int(-2, 2);
      assert.ok(Number.isInteger(int) && int >= -2 && int <= 2);
    }
    for (const bucket of buckets) assert.ok(Math.abs(bucket - 10_000) < 500, String(bucket));
  });
});

// ——— the reports over demo data look like a real year (issue 16, item 6) ———

/** The CRM's zone and currency, as the demo portal sets them; US dollars at the portal's demo rate. */
const ZONE = 'Asia/Shanghai';
const RATES = { USD: 7.1 };

/** A CRM over memory storage holding `generated` with its history, in the CRM's zone and currency. */
async function reportingCrm(generated: DemoData, now: string = DEMO_NOW) {
  const storage = createMemoryStorage({ now: () => new Date(now) });
  await storage.importSnapshot(toStorageSnapshot(generated));
  return createCrm({
    storage,
    actor: { id: 'usr-0001', role: 'admin' },
    clock: () => new Date(now),
    timeZone: ZONE,
    currency: 'CNY',
  });
}

/** The local calendar date `YYYY-MM-DD` of an instant in a zone (en-CA formats dates so). */
const localDate = (ms: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** A `YYYY-MM-DD` date moved by whole days. */
const addDays = (date: string, days: number): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

/** The last 365 local days up to `now`, as the portal's "last 365 days" reports ask for them. */
const lastYear = (now: string, timeZone = ZONE) => {
  const to = localDate(Date.parse(now), timeZone);
  return { from: addDays(to, -364), to };
};

/** Weekday (0 Sunday … 6 Saturday) and minute of the day of an instant in a zone, from Intl. */
function wallClock(iso: string, timeZone: string): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(Date.parse(iso));
  const part = (type: string) => parts.find((item) => item.type === type)!.value;
  return {
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday')),
    minute: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/** Whether an instant is on a weekday between 09:00 and 18:00 in the zone. */
const atWorkingHour = (iso: string, timeZone: string): boolean => {
  const { weekday, minute } = wallClock(iso, timeZone);
  return weekday >= 1 && weekday <= 5 && minute >= 9 * 60 && minute < 18 * 60;
};

/** Local months `YYYY-MM` whose every day lies inside `from`..`to`. */
function wholeMonths(from: string, to: string): string[] {
  const months: string[] = [];
  let month = from.endsWith('-01') ? from.slice(0, 7) : addDays(`${from.slice(0, 7)}-01`, 31).slice(0, 7);
  for (;;) {
    const next = addDays(`${month}-01`, 31).slice(0, 7);
    if (addDays(`${next}-01`, -1) > to) return months;
    months.push(month);
    month = next;
  }
}

describe('generateDemoData: the reports look like a real year', () => {
  test('every month of the year has won revenue, and leads, in the sales trend of the CRM', async () => {
    const crm = await reportingCrm(data);
    const trend = await crm.reports.salesTrend({ ...lastYear(DEMO_NOW), granularity: 'month', rates: RATES });
    assert.equal(trend.periods.length, 12);
    for (const period of trend.periods) {
      assert.ok(period.wonAmountMinor > 0 && period.dealsWon > 0, `no won revenue in ${period.key}`);
      assert.ok(period.leadsCreated > 0, `no leads in ${period.key}`);
    }
    // A trend, not a cliff: each half of the year brings a fair share of the revenue.
    const won = trend.periods.map((period) => period.wonAmountMinor);
    const firstHalf = won.slice(0, 6).reduce((sum, amount) => sum + amount, 0);
    const share = firstHalf / trend.totals.wonAmountMinor;
    assert.ok(share > 0.2 && share < 0.6, `first half has ${share} of the year's won revenue`);
    crm.dispose();
  });

  test('property: for any seed, time zone and now, every whole local month of the window has a won deal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'UTC'),
        fc.integer({ min: Date.parse('2001-01-01'), max: Date.parse('2040-12-31') }),
        (seed, timeZone, nowMs) => {
          const now = new Date(nowMs);
          const generated = generateDemoData({ seed, timeZone, now, activities: 0, tasks: 0 });
          const wonMonths = new Set(
            generated.deals
              .filter((deal) => deal.status === 'won')
              .map((deal) => localDate(time(deal.closedAt), timeZone).slice(0, 7)),
          );
          const { from, to } = lastYear(now.toISOString(), timeZone);
          for (const month of wholeMonths(from, to)) assert.ok(wonMonths.has(month), `${month} has no won deal`);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('every lead source has marketing costs, and a plausible ROI in crm.reports.leadSources', async () => {
    for (const [seed, generated] of [
      [1, data],
      ...[2, 3, 4, 5, 6].map((seed) => [seed, generateDemoData({ seed, activities: 0, tasks: 0 })] as const),
    ] as const) {
      const crm = await reportingCrm(generated);
      const report = await crm.reports.leadSources({ ...lastYear(DEMO_NOW), rates: RATES });
      const sources = report.sources.filter((row) => row.source !== null);
      assert.ok(sources.length >= 5, `seed ${seed}: sources ${sources.map((row) => row.source).join()}`);
      const rois: number[] = [];
      for (const row of sources) {
        const where = `seed ${seed}, ${row.source}: ${JSON.stringify({ ...row, campaigns: undefined })}`;
        assert.ok(row.leads > 0 && row.costMinor > 0, `${where} costs nothing`);
        assert.ok(row.dealsWon > 0 && row.wonAmountMinor > 0, `${where} won nothing`);
        assert.ok(row.roi !== null && row.roi > -0.5 && row.roi < 10, `${where} has an implausible ROI`);
        rois.push(row.roi);
      }
      assert.ok(rois.filter((roi) => roi < 0).length <= 1, `seed ${seed}: more than one source loses money`);
      assert.ok(rois.filter((roi) => roi > 0.2).length >= 3, `seed ${seed}: too few profitable sources`);
      crm.dispose();
    }
  });

  test('deal titles are unique, in English and in Chinese', () => {
    for (const generated of [data, larger]) {
      const titles = generated.deals.map((deal) => deal.title);
      const repeated = titles.filter((title, index) => titles.indexOf(title) !== index);
      assert.deepEqual(repeated, [], 'repeated titles');
      assert.ok(titles.some(hasChinese) && titles.some((title) => !hasChinese(title)));
    }
  });

  test('tasks fall due and activities happen on weekdays between 09:00 and 18:00 in the CRM time zone', () => {
    for (const [timeZone, generate] of [
      [ZONE, () => data],
      [ZONE, () => larger],
      ['America/New_York', () => generateDemoData({ seed: 2, timeZone: 'America/New_York' })],
      ['Europe/London', () => generateDemoData({ seed: 4, timeZone: 'Europe/London', customers: 200 })],
    ] as const) {
      const generated = generate();
      for (const task of generated.tasks) {
        assert.ok(atWorkingHour(task.dueAt, timeZone), `${timeZone} ${task.id} due ${task.dueAt}`);
        assert.equal(task.timeZone, timeZone, task.id);
      }
      for (const activity of generated.activities) {
        assert.ok(atWorkingHour(activity.occurredAt, timeZone), `${timeZone} ${activity.id} at ${activity.occurredAt}`);
      }
    }
  });
});
