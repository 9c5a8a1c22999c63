/**
 * The follow-up SLA (跟进时效): how long a lead waited for its first follow-up activity, and which open leads are
 * still waiting past their due time. Elapsed time only (no business hours), pure and deterministic given `now`.
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { filterSchema, type Filter } from '../filter/index.js';
import { leadStatuses, type LeadStatus } from '../model/lead.js';
import { predicateAt } from './predicate.js';

/** The SLA: follow up within `firstActivityWithinMinutes` of capture, with an activity matching `followUp`. */
export interface SlaPolicy {
  readonly firstActivityWithinMinutes: number;
  /** Which activities count as a follow-up; by default outbound ones (a call made, an email sent, a meeting held). */
  readonly followUp?: Filter;
  /** Statuses in which a lead still waiting is overdue; by default `new` and `working`. */
  readonly openStatuses?: readonly LeadStatus[];
}

/** The default SLA: an outbound activity within 24 hours. */
export const DEFAULT_SLA_POLICY: SlaPolicy = /* @__PURE__ */ Object.freeze({
  firstActivityWithinMinutes: 24 * 60,
  followUp: /* @__PURE__ */ Object.freeze({ field: 'direction', op: 'eq', value: 'outbound' }) as Filter,
  openStatuses: /* @__PURE__ */ Object.freeze(['new', 'working'] as const),
});

/** The schema of a {@link SlaPolicy}. */
export const slaPolicySchema = /* @__PURE__ */ z.strictObject({
  firstActivityWithinMinutes: /* @__PURE__ */ z
    .number()
    .check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(525_600)),
  followUp: /* @__PURE__ */ z.optional(filterSchema),
  openStatuses: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z
      .array(/* @__PURE__ */ z.enum(leadStatuses))
      .check(/* @__PURE__ */ z.maxLength(leadStatuses.length)),
  ),
});

const resolvedPolicies = new WeakMap<object, Required<SlaPolicy>>();

/**
 * Validates an SLA policy, filling in defaults; `ValidationError` naming the bad option. Cached per policy object, so
 * do not mutate one after use.
 */
export function resolveSlaPolicy(input: unknown): Required<SlaPolicy> {
  const key = input ?? DEFAULT_SLA_POLICY;
  const cached = typeof key === 'object' && key !== null ? resolvedPolicies.get(key) : undefined;
  if (cached) return cached;
  const parsed = parseOrThrow(slaPolicySchema, key, 'SLA policy');
  const resolved: Required<SlaPolicy> = {
    firstActivityWithinMinutes: parsed.firstActivityWithinMinutes,
    followUp: parsed.followUp ?? DEFAULT_SLA_POLICY.followUp!,
    openStatuses: parsed.openStatuses ?? DEFAULT_SLA_POLICY.openStatuses!,
  };
  resolvedPolicies.set(key as object, resolved);
  return resolved;
}

/** What the SLA reads of a lead. */
export interface SlaLead {
  readonly id: string;
  readonly status: LeadStatus;
  /** When the lead was captured; the SLA clock starts here. */
  readonly createdAt: string;
}

/** What the SLA reads of an activity: when it happened, plus what `followUp` reads. */
export interface SlaActivity {
  readonly occurredAt: string;
  readonly [field: string]: unknown;
}

/**
 * A lead's SLA state: `met` (followed up in time), `late` (followed up after the due time), `pending` (not yet, not
 * yet due), `overdue` (not yet, past due, still open), `closed` (never followed up, but no longer open).
 */
export const slaStates = ['met', 'late', 'pending', 'overdue', 'closed'] as const;
export type SlaState = (typeof slaStates)[number];

/** One lead's follow-up SLA. */
export interface LeadSla {
  readonly leadId: string;
  readonly state: SlaState;
  /** When the first follow-up was due. */
  readonly dueAt: string;
  /** The first follow-up activity's time, if any. */
  readonly firstActivityAt?: string;
  /** Minutes from capture to the first follow-up (0 for one logged before capture). */
  readonly minutesToFirstActivity?: number;
  /** For `overdue`: minutes past the due time. */
  readonly minutesOverdue?: number;
}

const MINUTE_MS = 60_000;

/**
 * The SLA state of one lead given its activities (any order; non-matching ones are ignored) at `now`.
 */
export function leadSla(
  lead: SlaLead,
  activities: readonly SlaActivity[],
  policy: SlaPolicy = DEFAULT_SLA_POLICY,
  now: Date,
): LeadSla {
  const resolved = resolveSlaPolicy(policy);
  const created = Date.parse(lead.createdAt);
  const dueMs = created + resolved.firstActivityWithinMinutes * MINUTE_MS;
  const dueAt = new Date(dueMs).toISOString();
  const counts = predicateAt(resolved.followUp, now);
  let first: number | undefined;
  for (const activity of activities) {
    const at = Date.parse(activity.occurredAt);
    if (!Number.isFinite(at) || at > now.getTime() || !counts(activity)) continue;
    if (first === undefined || at < first) first = at;
  }
  if (first !== undefined) {
    return {
      leadId: lead.id,
      state: first <= dueMs ? 'met' : 'late',
      dueAt,
      firstActivityAt: new Date(first).toISOString(),
      minutesToFirstActivity: Math.max(0, Math.floor((first - created) / MINUTE_MS)),
    };
  }
  if (!resolved.openStatuses.includes(lead.status)) return { leadId: lead.id, state: 'closed', dueAt };
  if (now.getTime() <= dueMs) return { leadId: lead.id, state: 'pending', dueAt };
  return {
    leadId: lead.id,
    state: 'overdue',
    dueAt,
    minutesOverdue: Math.floor((now.getTime() - dueMs) / MINUTE_MS),
  };
}

/**
 * The overdue leads among `leads`, most overdue first (then by id). `activities` may hold any leads' activities; each
 * is matched to its lead by `leadId`.
 */
export function overdueLeads(
  leads: readonly SlaLead[],
  activities: readonly (SlaActivity & { readonly leadId?: string })[],
  policy: SlaPolicy = DEFAULT_SLA_POLICY,
  now: Date,
): LeadSla[] {
  const byLead = new Map<string, SlaActivity[]>();
  for (const activity of activities) {
    if (activity.leadId === undefined) continue;
    let list = byLead.get(activity.leadId);
    if (!list) byLead.set(activity.leadId, (list = []));
    list.push(activity);
  }
  return leads
    .map((lead) => leadSla(lead, byLead.get(lead.id) ?? [], policy, now))
    .filter((sla) => sla.state === 'overdue')
    .sort(
      (a, b) =>
        (b.minutesOverdue ?? 0) - (a.minutesOverdue ?? 0) || (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0),
    );
}
