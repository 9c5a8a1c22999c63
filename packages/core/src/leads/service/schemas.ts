/** The lead service's option schemas and the small pure helpers its parts share. */
import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from '../../errors/errors.js';
import type { Filter } from '../../filter/schema.js';
import { consentStatuses, legalBases } from '../../model/compliance.js';
import { contactPatchSchema, customerPatchSchema } from '../../model/customer.js';
import { dealPatchSchema } from '../../model/deal.js';
import {
  countryCodeSchema,
  emailSchema,
  idSchema,
  instantSchema,
  longTextSchema,
  nameSchema,
  phoneSchema,
  sourceSchema,
  trimmedString,
} from '../../model/primitives.js';
import { collectionNameSchema } from '../../storage/query.js';
import { rotationStateSchema } from '../assignment.js';
import type { DedupeSource, DedupeSubject } from '../dedupe.js';
import type { PhoneNormaliser } from '../normalise.js';
import {
  FREELY_SET_STATUSES,
  LEAD_MANAGED_FIELDS,
  OPEN_LEAD_STATUSES,
  SCORE_HISTORY_MAX,
  type ScoreHistoryEntry,
  type ScoreTrigger,
} from '../schema.js';
import type { LeadScore } from '../scoring.js';

export const optionsSchema = z.strictObject({
  defaultRegion: z.optional(countryCodeSchema),
  dedupe: z.optional(z.unknown()),
  scoring: z.optional(z.unknown()),
  assignment: z.optional(z.unknown()),
  sla: z.optional(z.unknown()),
  assignmentStateCollection: z.optional(collectionNameSchema),
  autoRescore: z.optional(z.boolean()),
  normalisePhone: z.optional(z.custom<PhoneNormaliser>((value) => typeof value === 'function', 'Expected a function')),
  onBackgroundError: z.optional(
    z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'Expected a function'),
  ),
});

export const consentGrantSchema = z.strictObject({
  purpose: trimmedString(100),
  legalBasis: z.optional(z.enum(legalBases)),
  textVersion: z.optional(trimmedString(100)),
  at: z.optional(instantSchema),
  status: z.optional(z.enum(consentStatuses)),
  source: z.optional(trimmedString(200)),
});

export const captureOptionsSchema = z.strictObject({
  source: sourceSchema,
  campaign: z.optional(nameSchema),
  consent: z.optional(z.union([consentGrantSchema, z.array(consentGrantSchema).check(z.maxLength(20))])),
  note: z.optional(longTextSchema),
});

export const versionSchema = z.optional(z.int().check(z.positive()));

export const mergeOptionsSchema = z.strictObject({
  fields: z.optional(z.unknown()),
  expectedVersions: z.optional(z.strictObject({ survivor: versionSchema, other: versionSchema })),
});

export const mergeIntoCustomerOptionsSchema = z.strictObject({
  fields: z.optional(z.unknown()),
  contactId: z.optional(idSchema),
  expectedVersion: versionSchema,
});

export const CONVERT_DEAL_FIELDS = [
  'title',
  'amount',
  'stageId',
  'expectedCloseDate',
  'ownerId',
  'source',
  'customFields',
] as const;

export const convertOptionsSchema = z.strictObject({
  pipelineId: z.optional(idSchema),
  deal: z.optional(dealPatchSchema),
  customerId: z.optional(idSchema),
  contactId: z.optional(idSchema),
  customer: z.optional(customerPatchSchema),
  contact: z.optional(contactPatchSchema),
  expectedVersion: versionSchema,
});

export const duplicateQuerySchema = z.strictObject({
  name: z.optional(nameSchema),
  company: z.optional(nameSchema),
  email: z.optional(emailSchema),
  phone: z.optional(phoneSchema),
  country: z.optional(countryCodeSchema),
});

export const assignOptionsSchema = z.strictObject({ ownerId: z.optional(idSchema), expectedVersion: versionSchema });
export const qualifyOptionsSchema = z.strictObject({ expectedVersion: versionSchema });
export const disqualifyOptionsSchema = z.strictObject({ reason: trimmedString(2000), expectedVersion: versionSchema });

export const storedStateSchema = z.object({ ...rotationStateSchema.shape, scope: z.literal('leads'), key: z.string() });

export const eq = (field: string, value: string): Filter => ({ field, op: 'eq', value });
export const openLeadsFilter: Filter = { field: 'status', op: 'in', values: [...OPEN_LEAD_STATUSES] };

/** True for a non-null, non-array object. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own string property, or `undefined`. */
export const stringField = (record: Record<string, unknown>, key: string): string | undefined => {
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  return typeof value === 'string' ? value : undefined;
};

/** Own string-array property (non-strings dropped). */
export const stringsField = (record: Record<string, unknown>, key: string): string[] => {
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

/** A stored record as de-duplication reads it; only string fields are read, so a malformed record cannot break it. */
export function dedupeSource(record: Record<string, unknown>, company?: string): DedupeSource {
  const pick = (key: string) => stringField(record, key);
  const companyName = company ?? pick('company');
  return {
    id: String(record['id']),
    ...(pick('name') === undefined ? {} : { name: pick('name')! }),
    ...(companyName === undefined ? {} : { company: companyName }),
    ...(pick('email') === undefined ? {} : { email: pick('email')! }),
    ...(pick('phone') === undefined ? {} : { phone: pick('phone')! }),
    ...(pick('country') === undefined ? {} : { country: pick('country')! }),
    emails: stringsField(record, 'emails'),
    phones: stringsField(record, 'phones'),
  };
}

/** Refuses managed fields and statuses set by their own operations; ValidationError naming each. */
export function refuseManagedFields(input: unknown, context: string): void {
  if (!isObject(input)) return;
  const issues: ValidationIssue[] = LEAD_MANAGED_FIELDS.filter(
    (key) => Object.hasOwn(input, key) && input[key] !== undefined,
  ).map((key) => ({ path: [key], message: 'Set by the lead service, not by input' }));
  const status = Object.hasOwn(input, 'status') ? input['status'] : undefined;
  if (status !== undefined && !(FREELY_SET_STATUSES as readonly unknown[]).includes(status)) {
    issues.push({ path: ['status'], message: 'Expected new or working: use qualify, disqualify or convert' });
  }
  if (issues.length > 0) throw new ValidationError(issues, context);
}

/** A lead's de-duplication subject: its name, company, email and phone. */
export function subjectOf(lead: Record<string, unknown>): DedupeSubject {
  const email = stringField(lead, 'email');
  const phone = stringField(lead, 'phone');
  return {
    ...(stringField(lead, 'name') === undefined ? {} : { name: stringField(lead, 'name')! }),
    ...(stringField(lead, 'company') === undefined ? {} : { company: stringField(lead, 'company')! }),
    emails: email === undefined ? [] : [email],
    phones: phone === undefined ? [] : [phone],
  };
}

/** The history entry of a score. */
export function historyEntry(score: LeadScore, trigger: ScoreTrigger, at: string): ScoreHistoryEntry {
  return {
    at,
    score: score.score,
    trigger,
    rules: score.contributions
      .filter((contribution) => contribution.points !== 0)
      .map((contribution) => ({ ruleId: contribution.ruleId, points: contribution.points })),
  };
}

/** `lead` with `score` applied: the score set and, when it changed, a history entry appended (oldest dropped). */
export function withScore(
  lead: Record<string, unknown>,
  score: LeadScore,
  trigger: ScoreTrigger,
  at: string,
): { next: Record<string, unknown>; changed: boolean } {
  const history = (Array.isArray(lead['scoreHistory']) ? lead['scoreHistory'] : []) as ScoreHistoryEntry[];
  const entry = historyEntry(score, trigger, at);
  const last = history[history.length - 1];
  const sameRules = last !== undefined && JSON.stringify(last.rules) === JSON.stringify(entry.rules);
  const changed = lead['score'] !== score.score || last === undefined || !sameRules;
  if (!changed) return { next: lead, changed };
  return {
    next: { ...lead, score: score.score, scoreHistory: [...history, entry].slice(-SCORE_HISTORY_MAX) },
    changed,
  };
}
