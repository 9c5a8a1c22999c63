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
  optionalFunction,
  phoneSchema,
  sourceSchema,
  trimmedString,
} from '../../model/primitives.js';
import { guardedWrite, guardedWriteSchema } from '../../kernel/entity-service.js';
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

export const optionsSchema = /* @__PURE__ */ z.strictObject({
  defaultRegion: /* @__PURE__ */ z.optional(countryCodeSchema),
  dedupe: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  scoring: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  assignment: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  sla: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  assignmentStateCollection: /* @__PURE__ */ z.optional(collectionNameSchema),
  autoRescore: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
  normalisePhone: /* @__PURE__ */ optionalFunction<PhoneNormaliser>(),
  onBackgroundError: /* @__PURE__ */ optionalFunction<(error: unknown) => void>(),
});

export const consentGrantSchema = /* @__PURE__ */ z.strictObject({
  purpose: /* @__PURE__ */ trimmedString(100),
  legalBasis: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(legalBases)),
  textVersion: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  at: /* @__PURE__ */ z.optional(instantSchema),
  status: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(consentStatuses)),
  source: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(200)),
});

export const captureOptionsSchema = /* @__PURE__ */ z.strictObject({
  source: sourceSchema,
  campaign: /* @__PURE__ */ z.optional(nameSchema),
  consent: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.union([
      consentGrantSchema,
      /* @__PURE__ */ z.array(consentGrantSchema).check(/* @__PURE__ */ z.maxLength(20)),
    ]),
  ),
  note: /* @__PURE__ */ z.optional(longTextSchema),
});

export const versionSchema = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive()));

export const mergeOptionsSchema = /* @__PURE__ */ z.strictObject({
  fields: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  expectedVersions: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({ survivor: versionSchema, other: versionSchema }),
  ),
});

export const mergeIntoCustomerOptionsSchema = /* @__PURE__ */ z.strictObject({
  fields: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  contactId: /* @__PURE__ */ z.optional(idSchema),
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

export const convertOptionsSchema = /* @__PURE__ */ z.strictObject({
  pipelineId: /* @__PURE__ */ z.optional(idSchema),
  deal: /* @__PURE__ */ z.optional(dealPatchSchema),
  customerId: /* @__PURE__ */ z.optional(idSchema),
  contactId: /* @__PURE__ */ z.optional(idSchema),
  customer: /* @__PURE__ */ z.optional(customerPatchSchema),
  contact: /* @__PURE__ */ z.optional(contactPatchSchema),
  expectedVersion: versionSchema,
});

export const duplicateQuerySchema = /* @__PURE__ */ z.strictObject({
  name: /* @__PURE__ */ z.optional(nameSchema),
  company: /* @__PURE__ */ z.optional(nameSchema),
  email: /* @__PURE__ */ z.optional(emailSchema),
  phone: /* @__PURE__ */ z.optional(phoneSchema),
  country: /* @__PURE__ */ z.optional(countryCodeSchema),
});

export const assignOptionsSchema = /* @__PURE__ */ guardedWrite({ ownerId: /* @__PURE__ */ z.optional(idSchema) });
export const qualifyOptionsSchema = guardedWriteSchema;
export const disqualifyOptionsSchema = /* @__PURE__ */ guardedWrite({ reason: /* @__PURE__ */ trimmedString(2000) });
export const rescoreAllOptionsSchema = /* @__PURE__ */ z.strictObject({
  where: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
});

export const storedStateSchema = /* @__PURE__ */ z.object({
  ...rotationStateSchema.shape,
  scope: /* @__PURE__ */ z.literal('leads'),
  key: /* @__PURE__ */ z.string(),
});

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
