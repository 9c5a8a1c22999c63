/** What the lead form checks on every render, with core's own schemas, and the submission it builds either way. */
import {
  extendedLeadInputSchema,
  longTextSchema,
  withCustomFields,
  type CaptureOptions,
  type ConsentGrant,
  type CustomFieldDefinition,
  type LeadCaptureInput,
} from '@crmkit/core';
import { loadedPhoneNormaliser } from '../internal/phone.js';
import type { CrmLeadSubmission } from './events.js';
import {
  CONSENT,
  CUSTOM_PREFIX,
  fieldOfPath,
  issueKind,
  type LeadFormField,
  type LeadFormIssue,
  type SchemaIssue,
  validityFlags,
} from './fields.js';

export interface LeadValidation {
  /** Problems by field (`consent` for the consent box), in the order the fields are shown. */
  readonly issues: ReadonlyMap<string, LeadFormIssue>;
  readonly submission: CrmLeadSubmission;
  /** True when nothing has been typed or ticked. */
  readonly empty: boolean;
  /** True while the phone number waits for the phone rules, loaded on demand; the form validates again then. */
  readonly phonePending: boolean;
  /** The phone text to check once the rules have loaded, while they have not. */
  readonly phoneToCheck?: string;
}

/** What the form holds and how it is configured. */
export interface LeadFormInput {
  readonly fields: readonly LeadFormField[];
  readonly values: Readonly<Record<string, string>>;
  readonly isRequired: (field: string) => boolean;
  /** The CRM's lead custom field definitions, once loaded. */
  readonly definitions: readonly CustomFieldDefinition[] | undefined;
  /** The country a phone number without `+` is read in. */
  readonly country: string | undefined;
  /** The phone text whose check could not load the rules: it is left to the schema (and the CRM). */
  readonly phoneCheckFailedFor: string | undefined;
  readonly consent: {
    readonly purpose: string | undefined;
    readonly given: boolean;
    readonly required: boolean;
    readonly version: string | undefined;
  };
  readonly source: string | undefined;
  readonly campaign: string | undefined;
  /** Problems the CRM named on the last submit. */
  readonly serverIssues: ReadonlyMap<string, LeadFormIssue>;
}

export const EMPTY_VALIDATION: LeadValidation = {
  issues: new Map(),
  submission: { lead: { name: '' }, options: { source: 'web' } },
  empty: true,
  phonePending: false,
};

/** Checks what is typed with core's schemas; builds the submission whatever the outcome. */
export function validateLead(input: LeadFormInput): LeadValidation {
  const issues = new Map<string, LeadFormIssue>();
  const lead: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  let message: string | undefined;
  let empty = true;
  let phonePending = false;
  let phoneToCheck: string | undefined;
  const { fields, values } = input;
  for (const field of fields) {
    const text = (values[field] ?? '').trim();
    if (text !== '') empty = false;
    if (text === '') {
      if (input.isRequired(field)) issues.set(field, { kind: 'required' });
      continue;
    }
    if (field === 'message') {
      message = values[field];
      const result = longTextSchema.safeParse(message);
      if (!result.success) issues.set(field, issueKind(result.error.issues[0] as SchemaIssue, field));
    } else if (field === 'phone') {
      // Core's normaliser with libphonenumber's full metadata, loaded on demand: until it is, the number waits.
      const normalise = loadedPhoneNormaliser();
      if (normalise) {
        const e164 = normalise(text, input.country);
        if (e164 === undefined) issues.set(field, { kind: 'phone' });
        lead['phone'] = e164 ?? text;
      } else {
        phonePending = text !== input.phoneCheckFailedFor;
        if (phonePending) phoneToCheck = text;
        lead['phone'] = text;
      }
    } else if (field.startsWith(CUSTOM_PREFIX)) {
      customFields[field.slice(CUSTOM_PREFIX.length)] = text;
    } else {
      lead[field] = text;
    }
  }
  if (Object.keys(customFields).length > 0) lead['customFields'] = customFields;

  const schema = input.definitions
    ? withCustomFields(extendedLeadInputSchema, input.definitions)
    : extendedLeadInputSchema;
  const parsed = schema.safeParse(lead);
  if (!parsed.success) {
    for (const raw of parsed.error.issues as readonly SchemaIssue[]) {
      const field = fieldOfPath(raw.path);
      if (field === undefined || issues.has(field) || !fields.includes(field as LeadFormField)) continue;
      if (field === 'phone' && phonePending) continue;
      issues.set(field, issueKind(raw, field));
    }
  }

  const { consent } = input;
  const consenting = consent.purpose !== undefined && consent.purpose.trim() !== '';
  if (consenting && consent.given) empty = false;
  if (consenting && consent.required && !consent.given) issues.set(CONSENT, { kind: 'consent' });
  for (const [field, issue] of input.serverIssues) if (!issues.has(field)) issues.set(field, issue);

  const grant: ConsentGrant | undefined =
    consenting && consent.given
      ? Object.freeze({
          purpose: consent.purpose!.trim(),
          legalBasis: 'consent' as const,
          ...(consent.version ? { textVersion: consent.version } : {}),
        })
      : undefined;
  const options: CaptureOptions = Object.freeze({
    source: input.source?.trim() || 'web',
    ...(input.campaign?.trim() ? { campaign: input.campaign.trim() } : {}),
    ...(grant ? { consent: grant } : {}),
  });
  if (lead['customFields']) Object.freeze(lead['customFields']);
  const submission: CrmLeadSubmission = Object.freeze({
    lead: Object.freeze(lead) as Readonly<LeadCaptureInput>,
    options,
    ...(message === undefined ? {} : { message }),
  });
  // In the order the fields are shown, consent last.
  const ordered = new Map<string, LeadFormIssue>();
  for (const field of [...fields, CONSENT]) {
    const issue = issues.get(field);
    if (issue) ordered.set(field, issue);
  }
  return { issues: ordered, submission, empty, phonePending, ...(phoneToCheck === undefined ? {} : { phoneToCheck }) };
}

/**
 * What a host `<form>` is told: the constraints broken and the first problem as "Field: problem" (`issue` undefined:
 * the phone number is still being checked, which a host form may not submit either).
 */
export function formValidity(
  validation: LeadValidation,
  summaryItem: (field: string, issue: LeadFormIssue | undefined) => string,
): { readonly flags: ValidityStateFlags; readonly message: string; readonly anchor: string } | undefined {
  const issues = [...validation.issues];
  const first = issues[0];
  if (!first) {
    return validation.phonePending
      ? { flags: { customError: true }, message: summaryItem('phone', undefined), anchor: 'phone' }
      : undefined;
  }
  const [field, issue] = first;
  return { flags: validityFlags(issues), message: summaryItem(field, issue), anchor: field };
}
