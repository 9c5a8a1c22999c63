/**
 * Field selection for merging: which value each field of the merged record takes. Pure; the lead service applies the
 * result, moves activities, tasks and consents, and writes everything in one transaction.
 */
import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { customFieldKeySchema } from '../model/custom-fields.js';

/** Lead fields a merge can take from either lead. `status` carries its reason and timestamps with it. */
export const MERGEABLE_LEAD_FIELDS = [
  'name',
  'company',
  'email',
  'phone',
  'source',
  'campaign',
  'ownerId',
  'country',
  'territory',
  'industry',
  'language',
  'status',
] as const;
export type MergeableLeadField = (typeof MERGEABLE_LEAD_FIELDS)[number];

/** Which lead a field's value comes from. */
export type LeadMergeSide = 'survivor' | 'other';

/**
 * Per-field choices: a mergeable field or `customFields.<key>` → the lead whose value to keep. A field without a
 * choice keeps the survivor's value, or takes the other's when the survivor has none.
 */
export type LeadMergeChoices = Readonly<Partial<Record<MergeableLeadField | `customFields.${string}`, LeadMergeSide>>>;

const sideSchema = /* @__PURE__ */ z.enum(['survivor', 'other']);
const choiceKeySchema = /* @__PURE__ */ z.string().check(
  /* @__PURE__ */ z.refine(
    (key) => {
      if ((MERGEABLE_LEAD_FIELDS as readonly string[]).includes(key)) return true;
      return key.startsWith('customFields.') && z.safeParse(customFieldKeySchema, key.slice(13)).success;
    },
    `Expected one of ${/* @__PURE__ */ MERGEABLE_LEAD_FIELDS.join(', ')} or customFields.<key>`,
  ),
);

/** The schema of {@link LeadMergeChoices}. */
export const leadMergeChoicesSchema = /* @__PURE__ */ z.record(choiceKeySchema, sideSchema);

/** Fields that travel with the chosen `status`. */
const STATUS_COMPANIONS = ['disqualifyReason', 'qualifiedAt', 'disqualifiedAt'] as const;

/** The outcome of a field merge. */
export interface LeadMergeResult {
  /** The merged lead's fields (no record metadata, no score: re-score it). */
  readonly fields: Record<string, unknown>;
  /** Fields whose value came from the other lead, e.g. `['phone', 'customFields.region']`. */
  readonly takenFromOther: readonly string[];
}

/**
 * Merges the fields of two leads: each mergeable field and each custom field from the chosen side (default: the
 * survivor's value, else the other's). The ownerId's side also supplies the assignment record. Converted leads cannot
 * be merged (`ValidationError` at `status`); neither can a status of `converted` be chosen.
 */
export function mergeLeadFields(
  survivor: Readonly<Record<string, unknown>>,
  other: Readonly<Record<string, unknown>>,
  choices: LeadMergeChoices = {},
): LeadMergeResult {
  const chosen = parseOrThrow(leadMergeChoicesSchema, choices, 'merge choices') as Record<string, LeadMergeSide>;
  const issues: ValidationIssue[] = [];
  if (survivor['status'] === 'converted') issues.push({ path: ['survivor', 'status'], message: 'A converted lead' });
  if (other['status'] === 'converted') issues.push({ path: ['other', 'status'], message: 'A converted lead' });
  if (issues.length) throw new ValidationError(issues, 'merge: merge a converted lead’s customer instead');

  const fields: Record<string, unknown> = { ...survivor };
  const takenFromOther: string[] = [];
  const side = (field: string, a: unknown, b: unknown): LeadMergeSide =>
    Object.hasOwn(chosen, field) ? chosen[field]! : a === undefined && b !== undefined ? 'other' : 'survivor';

  for (const field of MERGEABLE_LEAD_FIELDS) {
    if (side(field, survivor[field], other[field]) === 'survivor') continue;
    takenFromOther.push(field);
    if (other[field] === undefined) delete fields[field];
    else fields[field] = other[field];
    const companions = field === 'status' ? STATUS_COMPANIONS : field === 'ownerId' ? (['assignment'] as const) : [];
    for (const companion of companions) {
      if (other[companion] === undefined) delete fields[companion];
      else fields[companion] = other[companion];
    }
  }

  const survivorCustom = (survivor['customFields'] ?? {}) as Record<string, unknown>;
  const otherCustom = (other['customFields'] ?? {}) as Record<string, unknown>;
  const custom: Record<string, unknown> = { ...survivorCustom };
  for (const key of [...new Set([...Object.keys(survivorCustom), ...Object.keys(otherCustom)])].sort()) {
    const a = Object.hasOwn(survivorCustom, key) ? survivorCustom[key] : undefined;
    const b = Object.hasOwn(otherCustom, key) ? otherCustom[key] : undefined;
    if (side(`customFields.${key}`, a, b) === 'survivor') continue;
    takenFromOther.push(`customFields.${key}`);
    if (b === undefined) delete custom[key];
    else custom[key] = b;
  }
  fields['customFields'] = custom;
  return { fields, takenFromOther };
}

/** Customer fields a lead merged into it may supply. */
export const CUSTOMER_MERGE_FIELDS = ['name', 'company', 'source', 'ownerId', 'country'] as const;
export type CustomerMergeField = (typeof CUSTOMER_MERGE_FIELDS)[number];

/** Per-field choices when merging a lead into a customer: keep the customer's value (default) or take the lead's. */
export type CustomerMergeChoices = Readonly<Partial<Record<CustomerMergeField, 'customer' | 'lead'>>>;

/** The schema of {@link CustomerMergeChoices}. */
export const customerMergeChoicesSchema = /* @__PURE__ */ z.strictObject({
  name: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['customer', 'lead'])),
  company: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['customer', 'lead'])),
  source: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['customer', 'lead'])),
  ownerId: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['customer', 'lead'])),
  country: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['customer', 'lead'])),
});

/** Most emails or phones a customer or contact holds. */
const CONTACT_POINTS_MAX = 20;

/** `existing` followed by the new values it lacks, at most 20. */
export function unionContactPoints(existing: readonly string[], added: readonly (string | undefined)[]): string[] {
  const result = [...existing];
  for (const value of added) {
    if (value !== undefined && !result.includes(value) && result.length < CONTACT_POINTS_MAX) result.push(value);
  }
  return result;
}

/**
 * The customer's fields after a lead is merged into it: each of {@link CUSTOMER_MERGE_FIELDS} from the chosen side
 * (default: the customer's, else the lead's when the customer has none); for a person customer, the lead's email and
 * phone join the customer's lists (an organisation's lead goes to a contact instead).
 */
export function mergeLeadIntoCustomerFields(
  customer: Readonly<Record<string, unknown>>,
  lead: Readonly<Record<string, unknown>>,
  choices: CustomerMergeChoices = {},
): LeadMergeResult {
  const chosen = parseOrThrow(customerMergeChoicesSchema, choices, 'merge choices');
  const fields: Record<string, unknown> = { ...customer };
  const takenFromOther: string[] = [];
  for (const field of CUSTOMER_MERGE_FIELDS) {
    const pick = chosen[field] ?? (customer[field] === undefined && lead[field] !== undefined ? 'lead' : 'customer');
    if (pick === 'customer') continue;
    takenFromOther.push(field);
    if (lead[field] === undefined) delete fields[field];
    else fields[field] = lead[field];
  }
  if (customer['kind'] === 'person') {
    const emails = unionContactPoints((customer['emails'] ?? []) as string[], [lead['email'] as string | undefined]);
    const phones = unionContactPoints((customer['phones'] ?? []) as string[], [lead['phone'] as string | undefined]);
    if (emails.length !== ((customer['emails'] ?? []) as string[]).length) takenFromOther.push('emails');
    if (phones.length !== ((customer['phones'] ?? []) as string[]).length) takenFromOther.push('phones');
    fields['emails'] = emails;
    fields['phones'] = phones;
  }
  return { fields, takenFromOther };
}
