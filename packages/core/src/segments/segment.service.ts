import { ValidationError } from '../errors/errors.js';
import { parseFilter, type Filter } from '../filter/index.js';
import { activityTypes } from '../model/activity.js';
import { customerSchema, type Customer } from '../model/customer.js';
import {
  segmentInputSchema,
  segmentPatchSchema,
  segmentSchema,
  type Segment,
  type SegmentInput,
  type SegmentPatch,
} from '../model/segment.js';
import {
  assertKnownWindows,
  compileSegment,
  EMPTY_STATS,
  windowFields,
  explainSegment,
  segmentOverlaps,
  splitSegment,
  type ClauseExplanation,
  type CustomerStats,
  type SegmentOverlap,
  type SegmentPredicate,
} from './compile.js';
import { CUSTOMER_STATS_COLLECTION, type CustomerAggregates } from '../customers/aggregates.service.js';
import type { CountField } from '../storage/port.js';
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import {
  createEntityService,
  fromStorage,
  loadAt,
  objectInput,
  type EntityService,
  type VersionedWrite,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';

/** The collection of saved segments. */
export const SEGMENTS_COLLECTION = 'segments';

/** A saved segment's id, or an ad-hoc segment filter. */
export type SegmentRef = string | { readonly filter: Filter };

/** A page of members: at most `limit` customers; only an absent `next` means the end (a page may be short). */
export interface SegmentMemberPage {
  readonly records: Customer[];
  readonly next?: string;
}

/** Saved segments (CRUD) plus members, explanations, sizes and overlaps. */
export interface SegmentService extends EntityService<SegmentInput, Segment, SegmentPatch> {
  /**
   * One page of members. The attribute part of the filter is pushed down to the customer query; behaviour and value
   * clauses are answered from the customers' aggregates (one `getMany` per page), never from activities.
   */
  members(segment: SegmentRef, options?: { limit?: number; after?: string }): Promise<SegmentMemberPage>;
  /** Every member id, in id order. */
  memberIds(segment: SegmentRef): Promise<string[]>;
  /** How many customers are members; a pure attribute segment is one `count` query. */
  size(segment: SegmentRef): Promise<number>;
  /** Sizes of the segments and their pairwise overlaps. */
  overlaps(segments: readonly SegmentRef[]): Promise<SegmentOverlap>;
  /** Which clauses a customer matched, and whether it is a member. */
  explain(segment: SegmentRef, customerId: string): Promise<ClauseExplanation>;
  /** The saved segments `customer` is a member of (no storage query beyond loading the segments). */
  segmentsOf(customer: Customer, stats: CustomerStats | undefined, segments: readonly Segment[]): Segment[];
}

const CUSTOMERS = 'customers';
const membersOptionsSchema = /* @__PURE__ */ z.strictObject({
  limit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
});
/**
 * Customers per page of a whole-collection pass. Large, so a pass costs few round trips; at least the number of
 * candidates an adapter may read and sort for one page, so no page re-reads another's.
 */
const STREAM_PAGE = 5_000;
const readCustomer = (record: unknown): Customer => fromStorage(customerSchema, record, 'customer');

function validateFilter(filter: unknown): Filter {
  const parsed = parseFilter(filter);
  assertKnownWindows(parsed, activityTypes);
  return parsed;
}

/** Creates the segment service over the CRM's storage and the customer aggregates. */
export function createSegmentService(context: CrmContext, aggregates: CustomerAggregates): SegmentService {
  const base = createEntityService(context, {
    name: 'segment',
    collection: SEGMENTS_COLLECTION,
    schemas: { input: segmentInputSchema, record: segmentSchema, patch: segmentPatchSchema },
  });
  // Compiled predicates of saved segments, by id and version; recompiled each minute so time windows move.
  const cache = new Map<string, { version: number; minute: number; predicate: SegmentPredicate }>();

  const compiled = (segment: Segment): SegmentPredicate => {
    const now = context.now();
    const minute = Math.floor(now.getTime() / 60_000);
    const hit = cache.get(segment.id);
    if (hit && hit.version === segment.version && hit.minute === minute) return hit.predicate;
    const predicate = compileSegment(segment.filter, { now });
    cache.set(segment.id, { version: segment.version, minute, predicate });
    return predicate;
  };

  const resolve = async (ref: SegmentRef): Promise<{ filter: Filter; predicate: SegmentPredicate }> => {
    if (typeof ref === 'string') {
      const segment = await base.get(ref);
      if (segment.entity !== 'customer') {
        throw new ValidationError([{ path: ['entity'], message: 'Expected a customer segment' }], 'segment');
      }
      return { filter: segment.filter, predicate: compiled(segment) };
    }
    const filter = validateFilter(ref.filter);
    return { filter, predicate: compileSegment(filter, { now: context.now() }) };
  };

  const scanPage = async (
    filter: Filter,
    predicate: SegmentPredicate,
    limit: number,
    after: string | undefined,
  ): Promise<SegmentMemberPage> => {
    const { pushdown, needsStats } = splitSegment(filter);
    const page = await context.storage.query(CUSTOMERS, {
      ...(pushdown ? { where: pushdown } : {}),
      limit,
      ...(after ? { after } : {}),
    });
    const customers = page.records.map(readCustomer);
    const stats = needsStats ? await aggregates.getMany(customers.map((customer) => customer.id)) : [];
    const records = customers.filter((customer, i) => predicate(customer, stats[i]));
    return { records, ...(page.next ? { next: page.next } : {}) };
  };

  /**
   * One pass over the customers: pages of {@link STREAM_PAGE} in id order through the cursor (the attribute part
   * pushed down, so an index can select the candidates), with the aggregates of each page read in one `getMany`.
   * Each customer and each aggregate is read once, whatever the number of members.
   */
  const stream = async (
    pushdown: Filter | undefined,
    needsStats: boolean,
    visit: (customer: Customer, stats: CustomerStats | undefined) => void,
  ): Promise<void> => {
    let after: string | undefined;
    do {
      const page = await context.storage.query(CUSTOMERS, {
        ...(pushdown ? { where: pushdown } : {}),
        limit: STREAM_PAGE,
        ...(after ? { after } : {}),
      });
      const customers = page.records.map(readCustomer);
      const stats = needsStats ? await aggregates.getMany(customers.map((customer) => customer.id)) : undefined;
      for (let i = 0; i < customers.length; i++) visit(customers[i] as Customer, stats?.[i]);
      after = page.next;
    } while (after);
  };

  /**
   * Every member id from the engine, when it can join a customer to its aggregate itself (`matchIds`): one query
   * returning ids, with the windows as counts over the aggregate's recent timestamps (kept newest first, so a count
   * of those in the window is what `countRecent` counts). `undefined` when the engine cannot answer exactly.
   */
  const matched = async (filter: Filter): Promise<string[] | undefined> => {
    const to = context.now().getTime();
    return context.storage.matchIds?.(CUSTOMERS, {
      where: filter,
      join: { collection: CUSTOMER_STATS_COLLECTION, as: 'stats', missing: EMPTY_STATS },
      counts: Object.fromEntries(
        windowFields(filter).map(([field, type, days]): [string, CountField] => [
          field,
          {
            path: `stats.recentActivity${type === 'any' ? '' : '.' + type}`,
            each: type === 'any',
            from: to - days * 864e5,
            to,
          },
        ]),
      ),
    });
  };

  /** The members' ids, in id order: from the engine when it can, else from one pass over the customers. */
  const idsOf = async ({ filter, predicate }: { filter: Filter; predicate: SegmentPredicate }): Promise<string[]> => {
    const engine = await matched(filter);
    if (engine) return engine;
    const { pushdown, needsStats } = splitSegment(filter);
    const ids: string[] = [];
    await stream(pushdown, needsStats, (customer, stats) => {
      if (predicate(customer, stats)) ids.push(customer.id);
    });
    return ids;
  };

  const refKey = (ref: SegmentRef, index: number): string => (typeof ref === 'string' ? ref : `#${index}`);

  return {
    ...base,
    async create(input) {
      validateFilter(objectInput(input, 'segment')['filter']);
      return base.create(input);
    },
    async update(id: string, patch: SegmentPatch, options: VersionedWrite) {
      const filter = objectInput(patch, 'segment update')['filter'];
      if (filter !== undefined) validateFilter(filter);
      return base.update(id, patch, options);
    },
    async members(ref, options = {}) {
      parseOrThrow(membersOptionsSchema, options, 'options');
      const limit = options.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new ValidationError([{ path: ['limit'], message: 'Expected an integer from 1 to 10000' }], 'options');
      }
      const { filter, predicate } = await resolve(ref);
      return scanPage(filter, predicate, limit, options.after);
    },
    memberIds: async (ref) => idsOf(await resolve(ref)),
    async size(ref) {
      const resolved = await resolve(ref);
      const { pushdown, needsStats } = splitSegment(resolved.filter);
      return needsStats ? (await idsOf(resolved)).length : context.storage.count(CUSTOMERS, pushdown);
    },
    async overlaps(refs) {
      // Every segment in the same pass: the customers the segments' pushed-down parts may select, each read once.
      const resolved = new Map<string, { predicate: SegmentPredicate; split: ReturnType<typeof splitSegment> }>();
      for (const [i, ref] of refs.entries()) {
        const key = refKey(ref, i);
        if (resolved.has(key)) continue;
        const { filter, predicate } = await resolve(ref);
        resolved.set(key, { predicate, split: splitSegment(filter) });
      }
      const entries = [...resolved.entries()];
      const sets = entries.map(() => new Set<string>());
      const predicates = entries.map(([, { predicate }]) => predicate);
      const splits = entries.map(([, { split }]) => split);
      const pushdowns = splits.map((split) => split.pushdown);
      // Only when every segment has a pushed-down part does their union narrow the pass.
      const union = pushdowns.every((pushdown) => pushdown !== undefined)
        ? pushdowns.length === 1
          ? pushdowns[0]
          : { any: pushdowns as Filter[] }
        : undefined;
      await stream(
        union,
        splits.some((split) => split.needsStats),
        (customer, stats) => {
          for (let i = 0; i < predicates.length; i++)
            if ((predicates[i] as SegmentPredicate)(customer, stats)) (sets[i] as Set<string>).add(customer.id);
        },
      );
      return segmentOverlaps(new Map(entries.map(([key], i) => [key, sets[i] as ReadonlySet<string>])));
    },
    async explain(ref, customerId) {
      const { filter } = await resolve(ref);
      const customer = fromStorage(customerSchema, await loadAt(context.storage, CUSTOMERS, customerId), 'customer');
      return explainSegment(filter, customer, await aggregates.get(customerId), context.now());
    },
    segmentsOf(customer, stats, segments) {
      return segments.filter((segment) => segment.entity === 'customer' && compiled(segment)(customer, stats));
    },
  };
}
