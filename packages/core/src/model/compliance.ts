import * as z from 'zod/mini';
import { defineEntity } from './entity.js';
import { fieldPathSchema, idSchema, instantSchema, trimmedString } from './primitives.js';

/** Kinds of data subject a consent is about. */
export const consentSubjectKinds = ['customer', 'contact', 'lead'] as const;
export type ConsentSubjectKind = (typeof consentSubjectKinds)[number];

/** Common processing purposes; a host may record any other purpose string. */
export const consentPurposes = ['marketing_email', 'sms', 'phone', 'profiling', 'data_processing'] as const;
/** A processing purpose: one of {@link consentPurposes} or a host-defined string. */
export type ConsentPurpose = (typeof consentPurposes)[number] | (string & {});

/** The six lawful bases of GDPR Art. 6(1). */
export const legalBases = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;
export type LegalBasis = (typeof legalBases)[number];

/** Whether the latest consent for a purpose is in force. */
export const consentStatuses = ['granted', 'withdrawn'] as const;
export type ConsentStatus = (typeof consentStatuses)[number];

const consent = defineEntity({
  subjectKind: z.enum(consentSubjectKinds),
  subjectId: idSchema,
  purpose: trimmedString(100) as z.ZodMiniType<ConsentPurpose, string>,
  legalBasis: z.enum(legalBases),
  status: z.enum(consentStatuses),
  /** When consent was given or withdrawn. */
  at: instantSchema,
  /** Where it was captured, e.g. `signup_form`. */
  source: z.optional(trimmedString(200)),
  /** The version of the wording the subject saw. */
  textVersion: z.optional(trimmedString(100)),
});

/** What recording a consent accepts. */
export const consentInputSchema = consent.input;
/** A stored consent. */
export const consentSchema = consent.record;
/** An update to a consent (normally a new consent is recorded instead). */
export const consentPatchSchema = consent.patch;
export type ConsentInput = z.input<typeof consentInputSchema>;
export type Consent = z.infer<typeof consentSchema>;
export type ConsentPatch = z.input<typeof consentPatchSchema>;

/** What an audit entry records was done. */
export const auditActions = ['create', 'update', 'delete', 'import', 'export', 'erase', 'restore'] as const;
export type AuditAction = (typeof auditActions)[number];

const auditEntry = defineEntity({
  at: instantSchema,
  /** The user, or a host-chosen id such as `system` for automation. */
  actorId: idSchema,
  action: z.enum(auditActions),
  /** The collection of the affected record. */
  entity: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'Expected a collection name')),
  entityId: idSchema,
  /** Names of the changed fields, never their values: the audit log must not become a copy of personal data. */
  changedFields: z._default(z.array(fieldPathSchema).check(z.maxLength(500)), () => []),
});

/** What recording an audit entry accepts. */
export const auditEntryInputSchema = auditEntry.input;
/** A stored audit entry. */
export const auditEntrySchema = auditEntry.record;
/** An update to an audit entry (the log is append-only; provided for uniformity). */
export const auditEntryPatchSchema = auditEntry.patch;
export type AuditEntryInput = z.input<typeof auditEntryInputSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditEntryPatch = z.input<typeof auditEntryPatchSchema>;
