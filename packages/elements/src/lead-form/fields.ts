/** The lead form's fields: which it can show, how a `fields` list resolves, and how zod's issues map onto them. */
import { customFieldKeySchema, type Crm, type CustomFieldDefinition, type ValidationIssue } from '@crmkit/core';

/** The lead fields the form can show, besides custom fields (`customFields.<key>`). */
export const leadFormFields = ['name', 'company', 'email', 'phone', 'industry', 'message'] as const;
export type LeadFormBuiltInField = (typeof leadFormFields)[number];
/** A field of the form: a built-in one or a text custom field of leads, `customFields.<key>`. */
export type LeadFormField = LeadFormBuiltInField | `customFields.${string}`;

/** What is wrong with a field, as a kind (the message is chosen at render time, in the current language). */
export interface LeadFormIssue {
  readonly kind: 'required' | 'email' | 'phone' | 'tooLong' | 'invalid' | 'consent';
  /** For `tooLong`: the most characters allowed. */
  readonly max?: number;
}

export const DEFAULT_FIELDS: readonly string[] = ['name', 'company', 'email', 'phone', 'message'];
export const DEFAULT_REQUIRED: readonly string[] = ['name', 'email'];
export const CUSTOM_PREFIX = 'customFields.';
export const CONSENT = 'consent';

/** A comma- or space-separated list attribute as an array, and back. */
export const listConverter = {
  fromAttribute: (value: string | null): string[] =>
    value === null
      ? []
      : value
          .split(/[\s,]+/)
          .map((item) => item.trim())
          .filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(','),
};

const isBuiltIn = (field: string): field is LeadFormBuiltInField =>
  (leadFormFields as readonly string[]).includes(field);

/** The fields of a `fields` list the form can show, without repeats, `name` first when it was missing. */
export function resolveFields(requested: readonly string[]): LeadFormField[] {
  const fields: LeadFormField[] = [];
  for (const raw of requested) {
    const field = raw.trim();
    const known =
      isBuiltIn(field) ||
      (field.startsWith(CUSTOM_PREFIX) && customFieldKeySchema.safeParse(field.slice(CUSTOM_PREFIX.length)).success);
    if (known && !fields.includes(field as LeadFormField)) fields.push(field as LeadFormField);
  }
  // Core refuses a lead without a name: the form always asks for one.
  if (!fields.includes('name')) fields.unshift('name');
  return fields;
}

/** The id of a field's control inside the shadow root. */
export const controlId = (field: string): string => `f-${field.replace('.', '-')}`;

/** A zod issue as the form reads it (only the fields it needs). */
export interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly maximum?: number | bigint;
  readonly format?: string;
  readonly input?: unknown;
}

/** The kind of problem a zod issue describes. */
export function issueKind(issue: SchemaIssue, field: string): LeadFormIssue {
  if (issue.code === 'too_big' && issue.maximum !== undefined) return { kind: 'tooLong', max: Number(issue.maximum) };
  if (issue.code === 'too_small' || (issue.code === 'invalid_type' && issue.input === undefined)) {
    return { kind: 'required' };
  }
  if (field === 'email' && issue.code === 'invalid_format') return { kind: 'email' };
  if (field === 'phone') return { kind: 'phone' };
  return { kind: 'invalid' };
}

/** The form field a path of the lead input names, e.g. `['customFields', 'jobTitle']` → `customFields.jobTitle`. */
export function fieldOfPath(path: readonly PropertyKey[]): string | undefined {
  const [first, second] = path;
  if (first === 'customFields' && typeof second === 'string') return `${CUSTOM_PREFIX}${second}`;
  return typeof first === 'string' ? first : undefined;
}

/** The fields shown that a `ValidationError` from the CRM names, and the kind of problem with each. */
export function serverIssuesOf(error: unknown, shown: readonly LeadFormField[]): Map<string, LeadFormIssue> {
  const issues = new Map<string, LeadFormIssue>();
  for (const issue of (error as { issues?: readonly ValidationIssue[] }).issues ?? []) {
    const field = fieldOfPath(issue.path);
    if (field === undefined || issues.has(field) || !shown.includes(field as LeadFormField)) continue;
    issues.set(
      field,
      field === 'email' ? { kind: 'email' } : field === 'phone' ? { kind: 'phone' } : { kind: 'invalid' },
    );
  }
  return issues;
}

/** What the form held, from the state it saved for the browser to restore (`{ values, consentGiven }`). */
export function restoredEntries(state: Readonly<Record<string, unknown>>): {
  values: Record<string, string>;
  consentGiven: boolean;
} {
  const saved = state['values'];
  const values: Record<string, string> = {};
  if (saved && typeof saved === 'object') {
    for (const [key, value] of Object.entries(saved)) if (typeof value === 'string') values[key] = value;
  }
  return { values, consentGiven: state['consentGiven'] === true };
}

/** What a host form is told of the problems: the constraint each kind breaks. */
export function validityFlags(issues: Iterable<readonly [string, LeadFormIssue]>): ValidityStateFlags {
  const flags: ValidityStateFlags = {};
  for (const [, issue] of issues) {
    if (issue.kind === 'required' || issue.kind === 'consent') flags.valueMissing = true;
    else if (issue.kind === 'email' || issue.kind === 'phone') flags.typeMismatch = true;
    else if (issue.kind === 'tooLong') flags.tooLong = true;
    else flags.customError = true;
  }
  return flags;
}

/** Reads every page of the lead custom field definitions. */
export async function leadFieldDefinitions(crm: Crm): Promise<readonly CustomFieldDefinition[]> {
  const definitions: CustomFieldDefinition[] = [];
  let after: string | undefined;
  do {
    const page = await crm.customFields.list({
      where: { field: 'entity', op: 'eq', value: 'lead' },
      ...(after ? { after } : {}),
    });
    definitions.push(...page.records);
    after = page.next;
  } while (after);
  return definitions;
}

export function autocompleteOf(field: string): string {
  switch (field) {
    case 'name':
      return 'name';
    case 'company':
      return 'organization';
    case 'email':
      return 'email';
    case 'phone':
      return 'tel';
    default:
      return 'off';
  }
}
