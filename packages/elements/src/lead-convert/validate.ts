/**
 * What `<crm-lead-convert>` checks before it converts — the deal's fields, and the draft deal against the stage gates
 * ahead with core's `gatesAhead` — and how a refused conversion maps onto its fields.
 */
import {
  CrmErrorCode,
  NAME_MAX,
  currencyDigits,
  gatesAhead,
  type ConvertOptions,
  type FailedGateCondition,
  type ValidationIssue,
} from '@crmkit/core';
import type { LeadConvertData } from './load.js';

/** What is wrong with a field, as a kind (the message is chosen at render time, in the current language). */
export interface LeadConvertIssue {
  readonly kind: 'required' | 'amount' | 'tooLong' | 'invalid' | 'gate' | 'gateCondition';
  /** For `gate` and `gateCondition`: the gated stage, and whether the deal enters it or moves on to it next. */
  readonly stageId?: string;
  readonly step?: 'enter' | 'next';
  /** For `tooLong`: the most characters allowed. */
  readonly max?: number;
}

/** The fields the form always shows, in order; gates may add `source` and `customFields.<key>`. */
export const BASE_FIELDS = ['title', 'amount', 'currency', 'expectedCloseDate', 'stageId', 'ownerId'] as const;
/** Deal fields no customer or contact has: a bare issue path starting with one is the deal's. */
const DEAL_ONLY: readonly string[] = ['title', 'amount', 'expectedCloseDate', 'stageId', 'pipelineId'];

/** What one render checks and would send. */
export interface ConvertValidation {
  readonly issues: ReadonlyMap<string, LeadConvertIssue>;
  /** The fields a gate ahead reads (besides the title, which is always required). */
  readonly required: ReadonlySet<string>;
  /** Fields beyond the base ones that a gate (or a refused conversion) asks for. */
  readonly extra: readonly string[];
  /** The open stage after the chosen one, when its gate asks for something. */
  readonly nextGateStage?: string;
  readonly options: ConvertOptions;
  /** The amount in minor units, when a valid one is typed. */
  readonly amountMinor?: number;
}

/** The form field a deal field path is entered in: `amount.amountMinor` → `amount`; `undefined` when none is. */
export function fieldOf(path: string): string | undefined {
  const [top = '', key] = path.split('.');
  if (top === 'amount') return key === 'currency' ? 'currency' : 'amount';
  if (top === 'customFields') return key ? `customFields.${key}` : undefined;
  if (top === 'pipelineId') return 'stageId';
  return (BASE_FIELDS as readonly string[]).includes(top) || top === 'source' ? top : undefined;
}

/** The fields shown beyond the base ones. */
const isExtra = (field: string): boolean => field === 'source' || field.startsWith('customFields.');

/** Minor-unit digits of a currency; 2 for a code `Intl` does not know. */
function digitsOf(currency: string): number {
  try {
    return currencyDigits(currency);
  } catch {
    return 2;
  }
}

/**
 * Checks what is entered (`value`: a field's entry, else its default), and the draft deal against the gates ahead;
 * builds the conversion whatever the outcome.
 */
export function validateConversion(
  data: LeadConvertData,
  value: (field: string) => string,
  serverIssues: ReadonlyMap<string, LeadConvertIssue>,
): ConvertValidation {
  const issues = new Map<string, LeadConvertIssue>();
  const title = value('title');
  if (title === '') issues.set('title', { kind: 'required' });
  else if (title.length > NAME_MAX) issues.set('title', { kind: 'tooLong', max: NAME_MAX });

  const currency = value('currency');
  const amountText = value('amount');
  let amountMinor: number | undefined;
  if (amountText !== '') {
    const scaled = Number(amountText) * 10 ** digitsOf(currency);
    // Whole minor units only: 12.345 yuan is refused, never rounded away.
    if (!(scaled >= 0) || !Number.isFinite(scaled) || Math.abs(scaled - Math.round(scaled)) > 1e-6) {
      issues.set('amount', { kind: 'amount' });
    } else amountMinor = Math.round(scaled);
  }
  const closeDate = value('expectedCloseDate');
  const stageId = value('stageId');
  const ownerId = value('ownerId');

  // The fields a gate ahead reads, or a refused conversion named, beyond the base ones.
  const pipeline = data.pipeline;
  const gateFields = gatesAhead({}, pipeline.stages, stageId).flatMap((gate) => gate.fields);
  const requiredCustom = data.dealFields
    .filter((definition) => definition.required)
    .map((definition) => `customFields.${definition.key}`);
  const extra = [
    ...new Set(
      [...requiredCustom, ...gateFields, ...serverIssues.keys()]
        .map((path) => fieldOf(path))
        .filter((field): field is string => field !== undefined && isExtra(field)),
    ),
  ];
  const customFields: Record<string, string | number> = {};
  let source: string | undefined;
  for (const field of extra) {
    const text = value(field);
    if (text === '') {
      if (requiredCustom.includes(field)) issues.set(field, { kind: 'required' });
      continue;
    }
    if (field === 'source') {
      source = text;
      continue;
    }
    const key = field.slice('customFields.'.length);
    const number = Number(text);
    const type = data.dealFields.find((definition) => `customFields.${definition.key}` === field)?.type;
    if (type !== 'number') customFields[key] = text;
    else if (Number.isFinite(number)) customFields[key] = number;
    else issues.set(field, { kind: 'invalid' });
  }

  const deal = {
    title,
    amount: { amountMinor: amountMinor ?? 0, currency },
    stageId,
    ...(ownerId ? { ownerId } : {}),
    ...(closeDate ? { expectedCloseDate: closeDate } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(Object.keys(customFields).length > 0 ? { customFields } : {}),
  };
  // Checked as core checks it: the deal as stored, with the lead's source when none is entered.
  const draft = { ...deal, source: source ?? data.lead.source, status: 'open', pipelineId: pipeline.id };
  const required = new Set<string>(requiredCustom);
  let nextGateStage: string | undefined;
  for (const gate of gatesAhead(draft, pipeline.stages, stageId)) {
    const mark = (path: string, condition: boolean) => {
      const field = fieldOf(path);
      if (field === undefined || issues.has(field)) return;
      const blank = value(field) === '';
      issues.set(field, {
        kind: condition && !blank ? 'gateCondition' : 'gate',
        stageId: gate.stage.id,
        step: gate.step,
      });
    };
    for (const path of gate.fields) {
      const field = fieldOf(path);
      if (field !== undefined) required.add(field);
    }
    if (gate.step === 'next' && gate.fields.some((path) => fieldOf(path) !== undefined)) {
      nextGateStage = gate.stage.id;
    }
    gate.result.missingFields.forEach((path) => mark(path, false));
    gate.result.failedConditions.forEach((failed) => failed.fields.forEach((path) => mark(path, true)));
  }
  for (const [field, issue] of serverIssues) if (!issues.has(field)) issues.set(field, issue);

  const ordered = new Map<string, LeadConvertIssue>();
  for (const field of [...BASE_FIELDS, ...extra]) {
    const issue = issues.get(field);
    if (issue) ordered.set(field, issue);
  }
  return {
    issues: ordered,
    required,
    extra,
    ...(nextGateStage ? { nextGateStage } : {}),
    ...(amountMinor === undefined ? {} : { amountMinor }),
    options: { pipelineId: pipeline.id, deal, expectedVersion: data.lead.version },
  };
}

/**
 * The fields a refused conversion names, as the form marks them, and the paths it names (for the message): a
 * `ValidationError`'s issues on the deal, or a `StageGateError`'s missing fields. `reload` is set when the lead
 * itself changed (converted or disqualified meanwhile): reading it again shows so.
 */
export function refusedFields(
  code: string,
  error: unknown,
): { issues: Map<string, LeadConvertIssue>; named: (readonly [string | undefined, string])[]; reload: boolean } {
  const issues = new Map<string, LeadConvertIssue>();
  const named: (readonly [string | undefined, string])[] = [];
  if (code === CrmErrorCode.validation) {
    for (const issue of (error as { issues?: readonly ValidationIssue[] }).issues ?? []) {
      const path = issue.path.map(String);
      if (path[0] === 'status') return { issues: new Map(), named: [], reload: true };
      // `deal.*` is the deal's; a bare path is the deal's only for fields no customer or contact has (a bare
      // `customFields.region` may be the new customer's, which this form does not ask for).
      const field =
        path[0] === 'deal'
          ? fieldOf(path.slice(1).join('.'))
          : DEAL_ONLY.includes(path[0] ?? '')
            ? fieldOf(path.join('.'))
            : undefined;
      if (field !== undefined && !issues.has(field)) issues.set(field, { kind: 'invalid' });
      named.push([field, path.join('.')]);
    }
  } else if (code === CrmErrorCode.stageGate) {
    const gate = error as {
      stageId: string;
      missingFields: readonly string[];
      failedConditions: readonly FailedGateCondition[];
    };
    for (const path of [...gate.missingFields, ...gate.failedConditions.flatMap((failed) => failed.fields)]) {
      const field = fieldOf(path);
      if (field !== undefined && !issues.has(field)) {
        issues.set(field, { kind: 'gate', stageId: gate.stageId, step: 'enter' });
      }
      named.push([field, path]);
    }
  }
  return { issues, named, reload: false };
}
