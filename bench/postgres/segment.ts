/**
 * Part 2, a segment query: the saved segment of bench/scale/data.ts (`SEGMENT_FILTER`: country in CN, US ∧ tags has
 * 'vip' ∧ stats.wonDeals ≥ 1 ∧ stats.activity.call.last90d ≥ 1) through `crm.segments.memberIds`, against the SQL a
 * user would write by hand for the same rule, over the same rows of the same table (one tenant of the run's schema,
 * loaded with `crm.backup.restore` of the customers, their aggregates and the segment).
 *
 * The rule reads two records per customer: the customer (country, tags) and its aggregate in `customerStats`
 * (`wonDeals`, and `recentActivity.call`, the newest call timestamps in epoch ms, which the 90-day window counts from
 * the CRM's clock). So the hand-written query joins the customer to its aggregate by id. It is written two ways: with
 * the operators the schema's indexes serve (`doc #> '{path}'`, `@>` for the `jsonb_path_ops` GIN index on tags) and
 * with the ones one reaches for first (`->>`, `?`); the reference is the faster of the two in the run. Both return ids
 * in id order, as `memberIds` does. Every answer is checked against the members computed in memory with core's
 * `compileSegment`.
 *
 * Information rows: the adapter's read of the candidates (`storage.query` of the customers with the attribute part
 * pushed down, everything `memberIds` reads of the customers), and `storage.query('customers', { where:
 * SEGMENT_FILTER })` as literally asked, which matches no customer: customers carry no `stats` (the aggregate is its
 * own record), so only the segment service answers this rule; its answer is checked against `compileFilter` over the
 * customers in memory. A second table times the first call on a fresh connection (a CRM or client opened just before,
 * untimed), where an application computing a segment once is cold.
 */
import type pg from 'pg';
import { compileFilter, compileSegment, splitSegment, type CustomerStats, type Filter } from '@crmkit/core';
import { NOW, SEGMENT_FILTER, SEGMENT_ID, type ScaleData } from '../scale/data.js';
import {
  explain,
  isRead,
  newClient,
  newPool,
  openCrm,
  recordingPool,
  replay,
  withCrm,
  type CrmSession,
  type Plan,
} from './db.js';
import { contender, timeInterleaved, type AnyContender, type Timed, type TimingOptions } from './timing.js';

const TENANT = 'segment';
const DAY = 86_400_000;
/** The window of `stats.activity.call.last90d`, counted back from the CRM's clock as `compileSegment` does. */
const SINCE = NOW.getTime() - 90 * DAY;

/** The aggregate's part of the rule, the same in both hand-written queries. */
const statsPart = `(s.doc ->> 'wonDeals')::numeric >= 1
  AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.doc #> '{recentActivity,call}') AS at
              WHERE at::numeric BETWEEN $2 AND $3)`;
const join = (schema: string) =>
  `FROM "${schema}".records c JOIN "${schema}".records s
     ON s.tenant_id = c.tenant_id AND s.collection = 'customerStats' AND s.id = c.id`;

/** The hand-written query with the operators the schema's indexes serve. */
const indexedSql = (schema: string) => `SELECT c.id ${join(schema)}
  WHERE c.tenant_id = $1 AND c.collection = 'customers'
    AND (c.doc #> '{country}') IN ('"CN"'::jsonb, '"US"'::jsonb)
    AND (c.doc #> '{tags}') @> '["vip"]'::jsonb
    AND ${statsPart}
  ORDER BY c.id`;

/** The same rule with the first operators that come to mind. */
const plainSql = (schema: string) => `SELECT c.id ${join(schema)}
  WHERE c.tenant_id = $1 AND c.collection = 'customers'
    AND c.doc ->> 'country' = ANY ('{CN,US}'::text[])
    AND c.doc -> 'tags' ? 'vip'
    AND ${statsPart}
  ORDER BY c.id`;

const PARAMS = [TENANT, SINCE, NOW.getTime()];

export interface SegmentResult {
  readonly warm: Timed;
  readonly cold: Timed;
  readonly members: number;
  readonly candidates: number;
  readonly plans: { readonly crmkit: readonly Plan[]; readonly reference: readonly Plan[] };
}

const sameIds = (actual: readonly string[], expected: readonly string[]) =>
  actual.length === expected.length && actual.every((id, i) => id === expected[i])
    ? undefined
    : `${actual.length} ids, expected ${expected.length}; first difference at ${expected.findIndex((id, i) => id !== actual[i])}`;

/** Loads the segment's tenant (untimed): the customers, their aggregates and the saved segment, by restore. */
export function loadSegmentTenant(pool: pg.Pool, schema: string, data: ScaleData): Promise<void> {
  return withCrm(pool, TENANT, schema, ({ crm }) =>
    crm.backup.restore({
      format: 'crmkit.storage',
      formatVersion: 1,
      collections: {
        customers: data.collections['customers']!,
        customerStats: data.collections['customerStats']!,
        segments: data.collections['segments']!,
      },
    }),
  );
}

export async function runSegment(
  pool: pg.Pool,
  schema: string,
  data: ScaleData,
  timing: TimingOptions,
): Promise<SegmentResult> {
  // The members, computed in memory: every answer is checked against them.
  const predicate = compileSegment(SEGMENT_FILTER, { now: NOW });
  const statsById = new Map(data.customerStats.map((stats) => [stats.id, stats as unknown as CustomerStats]));
  const customers = data.collections['customers']!;
  const expected = customers
    .filter((customer) => predicate(customer, statsById.get(customer.id)))
    .map((customer) => customer.id)
    .sort();
  const { pushdown } = splitSegment(SEGMENT_FILTER);
  const attributes = pushdown as Filter;
  const matchesAttributes = compileFilter(attributes, { now: NOW });
  const candidates = customers.filter((customer) => matchesAttributes(customer)).length;
  const matchesLiterally = compileFilter(SEGMENT_FILTER, { now: NOW });
  const literal = customers.filter((customer) => matchesLiterally(customer)).length;

  const recording = recordingPool(pool);
  const idsOf = (rows: readonly { id: string }[]) => rows.map((row) => row.id);
  const query = (sql: string) => async () => idsOf((await pool.query<{ id: string }>(sql, PARAMS)).rows);

  const { warmTimed, crmkitPlans } = await withCrm(recording.pool, TENANT, schema, async ({ storage, crm }) => {
    // The statements one memberIds call sends, for the replay row and the plans.
    recording.start();
    await crm.segments.memberIds(SEGMENT_ID);
    const statements = recording.stop().filter(isRead);
    const replayed = await replay(pool, statements);
    const warm: AnyContender[] = [
      contender({
        name: 'raw pg: hand-written SQL (#>, @>)',
        run: query(indexedSql(schema)),
        check: (ids: string[]) => sameIds(ids, expected),
      }),
      contender({
        name: 'raw pg: hand-written SQL (->>, ?)',
        run: query(plainSql(schema)),
        check: (ids: string[]) => sameIds(ids, expected),
      }),
      contender({
        name: `crmkit: crm.segments.memberIds('${SEGMENT_ID}')`,
        run: () => crm.segments.memberIds(SEGMENT_ID),
        check: (ids: string[]) => sameIds(ids, expected),
      }),
      contender({
        name: 'raw pg: the statements memberIds sends, replayed',
        info: true,
        note: `${statements.length} statements returning ${replayed.toLocaleString('en-US')} rows; no CRM, no validation`,
        run: () => replay(pool, statements),
        check: (rows: number) => (rows === replayed ? undefined : `${rows} rows, expected ${replayed}`),
      }),
      contender({
        name: "storage.query('customers', { where: country ∧ tags })",
        info: true,
        note: `the candidates memberIds reads (${candidates.toLocaleString('en-US')} customers), one query, no aggregates`,
        run: () => storage.query('customers', { where: attributes }),
        check: (page: { records: readonly unknown[] }) =>
          page.records.length === candidates ? undefined : `${page.records.length} candidates, expected ${candidates}`,
      }),
      contender({
        name: "storage.query('customers', { where: SEGMENT_FILTER })",
        info: true,
        note: `as asked; matches ${literal} customers (customers have no stats: not the segment)`,
        run: () => storage.query('customers', { where: SEGMENT_FILTER }),
        check: (page: { records: readonly unknown[] }) =>
          page.records.length === literal ? undefined : `${page.records.length} records, expected ${literal}`,
      }),
    ];
    const timed = await timeInterleaved(`segment over ${customers.length.toLocaleString('en-US')} customers`, warm, {
      ...timing,
      warmups: Math.max(timing.warmups, 2),
    });
    return { warmTimed: timed, crmkitPlans: await explain(pool, statements) };
  });
  // The reference: the faster hand-written query of the run.
  const [indexed, plain] = warmTimed.rows;
  const referenceSql = indexed!.median <= plain!.median ? indexedSql(schema) : plainSql(schema);
  const referencePlans = await explain(pool, [
    { sql: indexedSql(schema), params: PARAMS },
    { sql: plainSql(schema), params: PARAMS },
  ]);

  // Cold: the first call on a fresh connection.
  let coldPool: pg.Pool | undefined;
  let coldSession: CrmSession | undefined;
  let coldClient: pg.Client | undefined;
  const cold: AnyContender[] = [
    contender({
      name: 'raw pg: the faster hand-written SQL, new connection',
      prepare: async () => void (coldClient = await newClient()),
      run: async () => idsOf((await coldClient!.query<{ id: string }>(referenceSql, PARAMS)).rows),
      cleanup: async () => void (await coldClient?.end()),
      check: (ids: string[]) => sameIds(ids, expected),
    }),
    contender({
      name: 'crmkit: memberIds, new pool, storage and CRM',
      prepare: async () => {
        coldPool = newPool();
        coldSession = await openCrm(coldPool, TENANT, schema);
      },
      run: () => coldSession!.crm.segments.memberIds(SEGMENT_ID),
      cleanup: async () => {
        await coldSession?.close();
        await coldPool?.end();
      },
      check: (ids: string[]) => sameIds(ids, expected),
    }),
  ];
  const coldTimed = await timeInterleaved('segment, first call on a new connection', cold, { ...timing, warmups: 1 });

  return {
    warm: warmTimed,
    cold: coldTimed,
    members: expected.length,
    candidates,
    plans: { crmkit: crmkitPlans, reference: referencePlans },
  };
}
