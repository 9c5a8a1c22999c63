import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Filter, IndexDesign, QueryOptions } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshSchema, freshTenant, recordingDriver, sharedPglite, type Statement } from './pglite.js';

after(async () => (await sharedPglite()).close());

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/**
 * The plan PostgreSQL makes for the statement a query sends, with sequential scans priced out, so what is checked is
 * whether an index can serve it at all (a table this small would otherwise be scanned).
 */
async function planOf(
  collection: string,
  query: QueryOptions,
  count = false,
  indexes?: IndexDesign,
): Promise<PlanNode[]> {
  const db = await sharedPglite();
  const log: Statement[] = [];
  // A schema of its own, so the statistics describe this data alone.
  const schema = freshSchema('plans');
  const storage = await createPostgresStorage({
    driver: recordingDriver(db, log),
    tenant: freshTenant(),
    schema,
    ...(indexes ? { indexes } : {}),
  });
  await storage.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) {
      await tx.put(
        collection,
        {
          id: `r${i}`,
          ownerId: `u${i % 3}`,
          country: i % 100 ? 'US' : 'CN',
          tags: i % 100 ? [] : ['vip'],
          labels: i % 100 ? [] : ['key'],
          score: i,
        },
        { expectedVersion: 0 },
      );
    }
  });
  await db.query(`ANALYZE ${schema}.records`);
  log.length = 0;
  if (count) await storage.count(collection, query.where);
  else await storage.query(collection, query);
  const [statement] = log.filter((entry) => /^SELECT (doc|count)/.test(entry.sql));
  assert.ok(statement, 'the query ran one statement');
  await db.query('SET enable_seqscan = off');
  try {
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      statement.params as unknown[],
    );
    return nodes(rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    await db.query('RESET enable_seqscan');
    await storage.close();
  }
}

const indexes = (plan: PlanNode[]) => plan.map((node) => node['Index Name']).filter(Boolean);

/** Whether the plan walks the id index (`records_id_key`, in a partition under the name PostgreSQL gives it). */
const walksIds = (plan: PlanNode[]) =>
  indexes(plan).some((name) => name === 'records_id_key' || /^records_p_\w+_text_key_idx\d*$/.test(name!));

test('a page ordered by an indexed field walks its index: no sort of the whole selection', async () => {
  for (const direction of ['asc', 'desc'] as const) {
    const plan = await planOf('customers', { orderBy: [{ field: 'updatedAt', direction }], limit: 10 });
    assert.ok(indexes(plan).includes('records_customers_updatedat'), `${direction}: ${JSON.stringify(indexes(plan))}`);
    // Ties on the key are put in id order within each key (an incremental sort), never by sorting everything.
    assert.ok(!plan.some((node) => node['Node Type'] === 'Sort'), direction);
  }
  const plan = await planOf('customers', { limit: 10 });
  assert.ok(walksIds(plan), JSON.stringify(indexes(plan)));
  assert.ok(!plan.some((node) => node['Node Type'] === 'Sort'));
});

test('the newest by id (the audit log head an append reads) walks the id index backwards: no sort of the log', async () => {
  const where = { field: 'id', op: 'between', min: 'r1', max: 'r9' } as const;
  for (const direction of ['desc', 'asc'] as const) {
    const plan = await planOf('auditLog', { where, orderBy: [{ field: 'id', direction }], limit: 1 });
    assert.ok(walksIds(plan), `${direction}: ${JSON.stringify(plan.map((n) => [n['Node Type'], n['Index Name']]))}`);
    assert.ok(!plan.some((node) => node['Node Type'] === 'Sort'), direction);
  }
});

test('equality, lists, ranges and array membership use the indexes, in pages and in counts', async () => {
  const cases: [Filter, string][] = [
    [{ field: 'ownerId', op: 'eq', value: 'u1' }, 'records_customers_ownerid'],
    [{ field: 'country', op: 'in', values: ['CN', 'DE'] }, 'records_customers_country'],
    [{ field: 'score', op: 'gte', value: 297 }, 'records_leads_score'],
    [{ field: 'tags', op: 'hasAny', values: ['vip'] }, 'records_customers_tags'],
  ];
  for (const [where, index] of cases) {
    const collection = index === 'records_leads_score' ? 'leads' : 'customers';
    const counted = await planOf(collection, { where }, true);
    assert.ok(indexes(counted).includes(index), `${JSON.stringify(where)}: ${JSON.stringify(indexes(counted))}`);
    if (index === 'records_customers_tags') continue; // a page may as well walk the ids, filtering
    const plan = await planOf(collection, { where, limit: 5 });
    assert.ok(indexes(plan).includes(index), `${JSON.stringify(where)}: ${JSON.stringify(indexes(plan))}`);
  }
});

test("a host's own collections get the indexes it declares, used like the CRM's", async () => {
  const design = { accounts: ['ownerId', '*labels', '[country+region]'] };
  const plan = await planOf('accounts', { where: { field: 'labels', op: 'hasAny', values: ['key'] } }, true, design);
  assert.ok(
    indexes(plan).some((name) => name!.startsWith('records_h_accounts_labels_')),
    JSON.stringify(indexes(plan)),
  );
  const db = await sharedPglite();
  const schema = freshSchema('host');
  const storage = await createPostgresStorage({ pglite: db, tenant: freshTenant(), schema, indexes: design });
  assert.deepEqual(storage.capabilities.indexes['accounts'], design.accounts);
  assert.ok(storage.capabilities.indexes['customers']!.includes('ownerId'), "the CRM's design stays");
  const { rows } = await db.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'records_h_%' ORDER BY 1`,
    [schema],
  );
  // Indexes are per collection: `ownerId` is a CRM index of other collections, not of `accounts`.
  assert.equal(rows.length, 3, JSON.stringify(rows));
  // Another process declaring the same indexes finds them.
  const again = await createPostgresStorage({ pglite: db, tenant: freshTenant(), schema, indexes: design });
  await Promise.all([storage.close(), again.close()]);
  await assert.rejects(createPostgresStorage({ pglite: db, tenant: 't', schema, indexes: { accounts: ['[a]'] } }), {
    code: 'CRM_VALIDATION',
  });
  await assert.rejects(createPostgresStorage({ pglite: db, tenant: 't', schema, indexes: { 'bad name': ['a'] } }), {
    code: 'CRM_VALIDATION',
  });
});

test("countEach counts each filter with its own index walk (a lead rotation's open leads per rep)", async () => {
  const db = await sharedPglite();
  const log: Statement[] = [];
  const schema = freshSchema('counts');
  const storage = await createPostgresStorage({ driver: recordingDriver(db, log), tenant: freshTenant(), schema });
  try {
    const statuses = ['new', 'working', 'converted'];
    await storage.transaction(async (tx) => {
      for (let i = 0; i < 300; i++) {
        const lead = { id: `l${i}`, ownerId: `u${i % 4}`, status: statuses[i % 3] };
        await tx.put('leads', lead, { expectedVersion: 0 });
      }
    });
    await db.query(`ANALYZE ${schema}.records`);
    const open: Filter = { field: 'status', op: 'in', values: ['new', 'working'] };
    const filters: Filter[] = ['u0', 'u1', 'u2'].map((owner) => ({
      all: [{ field: 'ownerId', op: 'eq', value: owner }, open],
    }));
    log.length = 0;
    const counts = await storage.transaction((tx) => tx.countEach!('leads', filters));
    // 75 leads each; u0 has statuses 0, 1, 2, 0, … in turn (i = 0, 4, 8, …: i % 3 cycles), so two thirds are open.
    assert.deepEqual(counts, [50, 50, 50]);
    const statement = log.find((entry) => entry.sql.includes('count(*)'));
    assert.ok(statement, 'one counting statement');
    assert.equal(log.filter((entry) => entry.sql.includes('count(*)')).length, 1);
    await db.query('SET enable_seqscan = off');
    try {
      const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${statement.sql}`,
        statement.params as unknown[],
      );
      const used = indexes(nodes(rows[0]!['QUERY PLAN'][0].Plan));
      assert.deepEqual(used, Array(3).fill('records_leads_ownerid_status'), JSON.stringify(used));
    } finally {
      await db.query('RESET enable_seqscan');
    }
  } finally {
    await storage.close();
  }
});
