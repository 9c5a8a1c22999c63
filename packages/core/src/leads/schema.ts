/**
 * The lead as lead management needs it: the model's `Lead` plus routing attributes (country, territory, industry,
 * language), score history, the latest assignment decision and status timestamps. Until these fields are part of
 * `model/lead.ts`, the lead service validates with the extended schemas here; every added field is optional or
 * defaulted, so a stored `Lead` parses as an {@link ExtendedLead}.
 */
import * as z from 'zod/mini';
import { leadInputSchema, leadPatchSchema, leadSchema } from '../model/lead.js';
import { countryCodeSchema, instantSchema, localeSchema, trimmedString } from '../model/primitives.js';
import { assignmentReasonCodes } from './assignment.js';
import { ruleIdSchema } from './scoring.js';

/** The most score history entries a lead keeps; older ones are dropped first. */
export const SCORE_HISTORY_MAX = 50;

/** What caused a score to be (re)computed. */
export const scoreTriggers = ['capture', 'activity', 'update', 'merge', 'rescore'] as const;
export type ScoreTrigger = (typeof scoreTriggers)[number];

/** One entry of a lead's score history: the new score, when, why, and the rules that gave points (ids only). */
export const scoreHistoryEntrySchema = /* @__PURE__ */ z.strictObject({
  at: instantSchema,
  score: /* @__PURE__ */ z.number(),
  trigger: /* @__PURE__ */ z.enum(scoreTriggers),
  /** Rules that gave non-zero points, in model order. */
  rules: /* @__PURE__ */ z
    .array(/* @__PURE__ */ z.strictObject({ ruleId: ruleIdSchema, points: /* @__PURE__ */ z.number() }))
    .check(/* @__PURE__ */ z.maxLength(200)),
});
export type ScoreHistoryEntry = z.infer<typeof scoreHistoryEntrySchema>;

/** The strategies a stored assignment can name. */
export const assignmentStrategiesUsed = ['roundRobin', 'weighted', 'leastLoaded', 'explicit', 'none'] as const;

/** The latest assignment decision kept on the lead (the full reason is returned and emitted when it is made). */
export const leadAssignmentSchema = /* @__PURE__ */ z.strictObject({
  strategy: /* @__PURE__ */ z.enum(assignmentStrategiesUsed),
  code: /* @__PURE__ */ z.enum(assignmentReasonCodes),
  ruleId: /* @__PURE__ */ z.optional(ruleIdSchema),
  at: instantSchema,
});
export type LeadAssignment = z.infer<typeof leadAssignmentSchema>;

const extensionShape = {
  /** ISO 3166-1 alpha-2; phone numbers without `+` are read in this country, and rules may route by it. */
  country: /* @__PURE__ */ z.optional(countryCodeSchema),
  /** A sales territory, e.g. `north`; assignment rules route by it. */
  territory: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  industry: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  /** The language the lead prefers (BCP 47), e.g. `zh-CN`. */
  language: /* @__PURE__ */ z.optional(localeSchema),
  /** Score changes, oldest first, at most {@link SCORE_HISTORY_MAX}. */
  scoreHistory: /* @__PURE__ */ z._default(
    /* @__PURE__ */ z.array(scoreHistoryEntrySchema).check(/* @__PURE__ */ z.maxLength(SCORE_HISTORY_MAX)),
    () => [],
  ),
  assignment: /* @__PURE__ */ z.optional(leadAssignmentSchema),
  qualifiedAt: /* @__PURE__ */ z.optional(instantSchema),
  disqualifiedAt: /* @__PURE__ */ z.optional(instantSchema),
  convertedAt: /* @__PURE__ */ z.optional(instantSchema),
};

/** What creating a lead accepts, with the lead-management fields. */
export const extendedLeadInputSchema = /* @__PURE__ */ z.extend(leadInputSchema, extensionShape);
/** A stored lead with the lead-management fields. */
export const extendedLeadSchema = /* @__PURE__ */ z.extend(leadSchema, extensionShape);
/** An update to a lead with the lead-management fields (no defaults: absent stays absent). */
export const extendedLeadPatchSchema = /* @__PURE__ */ z.extend(leadPatchSchema, {
  country: /* @__PURE__ */ z.optional(countryCodeSchema),
  territory: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  industry: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  language: /* @__PURE__ */ z.optional(localeSchema),
  scoreHistory: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.array(scoreHistoryEntrySchema).check(/* @__PURE__ */ z.maxLength(SCORE_HISTORY_MAX)),
  ),
  assignment: /* @__PURE__ */ z.optional(leadAssignmentSchema),
  qualifiedAt: /* @__PURE__ */ z.optional(instantSchema),
  disqualifiedAt: /* @__PURE__ */ z.optional(instantSchema),
  convertedAt: /* @__PURE__ */ z.optional(instantSchema),
});
export type ExtendedLeadInput = z.input<typeof extendedLeadInputSchema>;
export type ExtendedLead = z.infer<typeof extendedLeadSchema>;
export type ExtendedLeadPatch = z.input<typeof extendedLeadPatchSchema>;

/**
 * Fields only the lead service's own operations set: `capture`, `create` and `update` refuse them. Status moves to
 * `qualified`, `disqualified` and `converted` through `qualify`, `disqualify` and `convert`.
 */
export const LEAD_MANAGED_FIELDS = [
  'score',
  'scoreHistory',
  'assignment',
  'disqualifyReason',
  'convertedCustomerId',
  'convertedDealId',
  'qualifiedAt',
  'disqualifiedAt',
  'convertedAt',
] as const;

/** The statuses `create` and `update` may set; the others have their own operations. */
export const FREELY_SET_STATUSES = ['new', 'working'] as const;

/** The statuses of a lead still being worked: they count toward a rep's capacity. */
export const OPEN_LEAD_STATUSES = ['new', 'working', 'qualified'] as const;
