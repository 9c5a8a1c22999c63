/**
 * Lead management (线索管理) as pure functions over plain data: normalisation, de-duplication and merging, rule-based
 * scoring with explanations, assignment (round-robin, weighted, least loaded, rules; capacity-aware) and the
 * follow-up SLA; and the lead service (`service/`) that runs them on data loaded through the storage port.
 *
 * @module
 */
export {
  normaliseName,
  normaliseEmail,
  normaliseLeadFields,
  loadPhoneNormaliser,
  loadPhoneFormatter,
} from './normalise.js';
export type { PhoneNormaliser, PhoneFormatter, NormaliseOptions } from './normalise.js';

export {
  duplicatePolicies,
  dedupeRuleIds,
  dedupeRecordKinds,
  DEFAULT_DEDUPE_RULES,
  dedupeRulesSchema,
  resolveDedupeRules,
  nameKey,
  companyKey,
  jaroWinkler,
  findDuplicateMatches,
  partitionMatches,
  toDedupeRecord,
} from './dedupe.js';
export type {
  DuplicatePolicy,
  DedupeRuleId,
  DedupeRecordKind,
  DedupeRules,
  DedupeRulesInput,
  DedupeSubject,
  DedupeRecord,
  DedupeSource,
  RuleMatch,
  DuplicateMatch,
  FindDuplicatesOptions,
} from './dedupe.js';

export { DuplicateError, DUPLICATE_ERROR_CODE } from './errors.js';

export {
  ruleIdSchema,
  scoringModelSchema,
  DEFAULT_SCORING_MODEL,
  parseScoringModel,
  scoreLead,
  scoringFields,
} from './scoring.js';
export type {
  AttributeScoringRule,
  ActivityScoringRule,
  ScoringRule,
  ScoringModel,
  ScoringActivity,
  ScoreContribution,
  LeadScore,
} from './scoring.js';

export {
  poolStrategyKinds,
  assignmentConfigSchema,
  parseAssignmentConfig,
  EMPTY_ROTATION,
  rotationStateSchema,
  skipReasons,
  assignmentReasonCodes,
  DEFAULT_STATE_KEY,
  ruleStateKey,
  ineligibility,
  decideAssignment,
  explicitAssignment,
} from './assignment.js';
export type {
  PoolStrategyKind,
  PoolStrategy,
  AssignmentRule,
  AssignmentConfig,
  AssignmentCandidate,
  RotationState,
  SkipReason,
  AssignmentReasonCode,
  AssignmentStrategyUsed,
  AssignmentDecision,
  AssignmentOutcome,
  AssignmentInput,
} from './assignment.js';

export { DEFAULT_SLA_POLICY, slaPolicySchema, resolveSlaPolicy, slaStates, leadSla, overdueLeads } from './sla.js';
export type { SlaPolicy, SlaLead, SlaActivity, SlaState, LeadSla } from './sla.js';

export {
  MERGEABLE_LEAD_FIELDS,
  leadMergeChoicesSchema,
  mergeLeadFields,
  CUSTOMER_MERGE_FIELDS,
  customerMergeChoicesSchema,
  unionContactPoints,
  mergeLeadIntoCustomerFields,
} from './merge.js';
export type {
  MergeableLeadField,
  LeadMergeSide,
  LeadMergeChoices,
  LeadMergeResult,
  CustomerMergeField,
  CustomerMergeChoices,
} from './merge.js';

export {
  SCORE_HISTORY_MAX,
  scoreTriggers,
  scoreHistoryEntrySchema,
  assignmentStrategiesUsed,
  leadAssignmentSchema,
  extendedLeadInputSchema,
  extendedLeadSchema,
  extendedLeadPatchSchema,
  LEAD_MANAGED_FIELDS,
  FREELY_SET_STATUSES,
  OPEN_LEAD_STATUSES,
} from './schema.js';
export type {
  ScoreTrigger,
  ScoreHistoryEntry,
  LeadAssignment,
  ExtendedLeadInput,
  ExtendedLead,
  ExtendedLeadPatch,
} from './schema.js';

export type {
  LeadEventBase,
  LeadCapturedEvent,
  LeadAssignedEvent,
  LeadScoredEvent,
  LeadQualifiedEvent,
  LeadDisqualifiedEvent,
  LeadConvertedEvent,
  LeadMergedEvent,
  LeadEventMap,
  LeadEventName,
} from './events.js';
export { createLeadService } from './service/lead.service.js';
export { ASSIGNMENT_STATE_COLLECTION } from './service/types.js';
export type {
  LeadService,
  LeadServiceOptions,
  LeadCaptureInput,
  CaptureOptions,
  CaptureResult,
  ConsentGrant,
  MergeOptions,
  MergeResult,
  MergeIntoCustomerOptions,
  MergeIntoCustomerResult,
  ConvertOptions,
  ConvertDealValues,
  ConvertResult,
  AssignResult,
  RescoreResult,
  DuplicateQuery,
} from './service/types.js';
