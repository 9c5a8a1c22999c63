/**
 * The domain model of crmkit: zod/mini schemas for every entity (input, stored record and patch flavours), their
 * inferred types, shared field schemas, and host-defined custom fields.
 */
export {
  NAME_MAX,
  LONG_TEXT_MAX,
  trimmedString,
  idSchema,
  defaultIdGenerator,
  createId,
  nameSchema,
  longTextSchema,
  emailSchema,
  phoneSchema,
  countryCodeSchema,
  localeSchema,
  instantSchema,
  dateOnlySchema,
  safeUrlSchema,
  localizedTextSchema,
  tagsSchema,
  sourceSchema,
  addressSchema,
  fieldPathSchema,
} from './primitives.js';
export type { IdGenerator, Address, LocalizedText } from './primitives.js';

export { defineEntity, recordMetaShape } from './entity.js';
export type { EntitySchemas, RecordShape, PatchShape } from './entity.js';

export {
  CUSTOM_FIELDS_COLLECTION,
  customFieldEntities,
  customFieldTypes,
  customFieldKeySchema,
  customFieldValueSchema,
  customFieldValuesSchema,
  customFieldsProperty,
  customFieldDefinitionInputSchema,
  customFieldDefinitionSchema,
  customFieldDefinitionPatchSchema,
  customFieldsSchema,
  withCustomFields,
} from './custom-fields.js';
export type {
  CustomFieldEntity,
  CustomFieldType,
  CustomFieldValue,
  CustomFieldValues,
  CustomFieldOption,
  CustomFieldDefinitionInput,
  CustomFieldDefinition,
  CustomFieldDefinitionPatch,
} from './custom-fields.js';

export {
  lifecycleStages,
  customerKinds,
  customerInputSchema,
  customerSchema,
  customerPatchSchema,
  contactInputSchema,
  contactSchema,
  contactPatchSchema,
} from './customer.js';
export type {
  LifecycleStage,
  CustomerKind,
  CustomerInput,
  Customer,
  CustomerPatch,
  ContactInput,
  Contact,
  ContactPatch,
} from './customer.js';

export { leadStatuses, leadInputSchema, leadSchema, leadPatchSchema } from './lead.js';
export type { LeadStatus, LeadInput, Lead, LeadPatch } from './lead.js';

export {
  dealStatuses,
  stageKinds,
  stageSchema,
  pipelineInputSchema,
  pipelineSchema,
  pipelinePatchSchema,
  dealInputSchema,
  dealSchema,
  dealPatchSchema,
  stageChangeInputSchema,
  stageChangeSchema,
  stageChangePatchSchema,
} from './deal.js';
export type {
  DealStatus,
  StageKind,
  Stage,
  PipelineInput,
  Pipeline,
  PipelinePatch,
  DealInput,
  Deal,
  DealPatch,
  StageChangeInput,
  StageChange,
  StageChangePatch,
} from './deal.js';

export {
  activityTypes,
  activityDirections,
  activityInputSchema,
  activitySchema,
  activityPatchSchema,
  taskTypes,
  taskStatuses,
  taskRelatedKinds,
  reminderSchema,
  recurrenceSchema,
  taskInputSchema,
  taskSchema,
  taskPatchSchema,
} from './activity.js';
export type {
  ActivityType,
  ActivityDirection,
  ActivityInput,
  Activity,
  ActivityPatch,
  TaskType,
  TaskStatus,
  TaskRelatedKind,
  Reminder,
  Recurrence,
  TaskInput,
  Task,
  TaskPatch,
} from './activity.js';

export {
  userRoles,
  userInputSchema,
  userSchema,
  userPatchSchema,
  teamInputSchema,
  teamSchema,
  teamPatchSchema,
} from './user.js';
export type { UserRole, UserInput, User, UserPatch, TeamInput, Team, TeamPatch } from './user.js';

export { segmentEntities, segmentInputSchema, segmentSchema, segmentPatchSchema } from './segment.js';
export type { SegmentEntity, SegmentInput, Segment, SegmentPatch } from './segment.js';

export {
  consentSubjectKinds,
  consentPurposes,
  legalBases,
  consentStatuses,
  consentInputSchema,
  consentSchema,
  consentPatchSchema,
  auditActions,
  auditEntryInputSchema,
  auditEntrySchema,
  auditEntryPatchSchema,
} from './compliance.js';
export type {
  ConsentSubjectKind,
  ConsentPurpose,
  LegalBasis,
  ConsentStatus,
  ConsentInput,
  Consent,
  ConsentPatch,
  AuditAction,
  AuditEntryInput,
  AuditEntry,
  AuditEntryPatch,
} from './compliance.js';
export { weekdays, timeZoneSchema, type Weekday } from './activity.js';
export { lifecycleStageIdSchema, type DefaultLifecycleStage } from './customer.js';
