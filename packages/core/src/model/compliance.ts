import * as z from 'zod/mini';
import { entityInput, entityPatch, entityRecord } from './entity.js';
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

const consentShape = {
  subjectKind: /* @__PURE__ */ z.enum(consentSubjectKinds),
  subjectId: idSchema,
  purpose: /* @__PURE__ */ trimmedString(100) as z.ZodMiniType<ConsentPurpose, string>,
  legalBasis: /* @__PURE__ */ z.enum(legalBases),
  status: /* @__PURE__ */ z.enum(consentStatuses),
  /** When consent was given or withdrawn. */
  at: instantSchema,
  /** Where it was captured, e.g. `signup_form`. */
  source: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(200)),
  /** The version of the wording the subject saw. */
  textVersion: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
};

/** What recording a consent accepts. */
export const consentInputSchema = /* @__PURE__ */ entityInput(consentShape);
/** A stored consent. */
export const consentSchema = /* @__PURE__ */ entityRecord(consentShape);
/** An update to a consent (normally a new consent is recorded instead). */
export const consentPatchSchema = /* @__PURE__ */ entityPatch(consentShape);
export type ConsentInput = z.input<typeof consentInputSchema>;
export type Consent = z.infer<typeof consentSchema>;
export type ConsentPatch = z.input<typeof consentPatchSchema>;

/** What an audit entry records was done. */
export const auditActions = ['create', 'update', 'delete', 'import', 'export', 'erase', 'restore'] as const;
export type AuditAction = (typeof auditActions)[number];

const auditEntryShape = {
  at: instantSchema,
  /** The user, or a host-chosen id such as `system` for automation. */
  actorId: idSchema,
  action: /* @__PURE__ */ z.enum(auditActions),
  /** The collection of the affected record. */
  entity: /* @__PURE__ */ z
    .string()
    .check(/* @__PURE__ */ z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'Expected a collection name')),
  entityId: idSchema,
  /** Names of the changed fields, never their values: the audit log must not become a copy of personal data. */
  changedFields: /* @__PURE__ */ z._default(
    /* @__PURE__ */ z.array(fieldPathSchema).check(/* @__PURE__ */ z.maxLength(500)),
    () => [],
  ),
};

/** What recording an audit entry accepts. */
export const auditEntryInputSchema = /* @__PURE__ */ entityInput(auditEntryShape);
/**
 * A stored audit entry. `seq` and `prev` link it into the hash chain (kernel `audit-log.ts`); the log sets them, never
 * a caller. Entries written before the chain existed have neither.
 */
export const auditEntrySchema = /* @__PURE__ */ entityRecord({
  ...auditEntryShape,
  /** Its place in the chain: 1 for the first chained entry, then one more per entry. */
  seq: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  /** The SHA-256 of the entry before it (64 zeros for the first), as lowercase hex. */
  prev: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.regex(/^[0-9a-f]{64}$/, 'Expected a SHA-256 in lowercase hex')),
  ),
});
/** An update to an audit entry (the log is append-only; provided for uniformity). */
export const auditEntryPatchSchema = /* @__PURE__ */ entityPatch(auditEntryShape);
export type AuditEntryInput = z.input<typeof auditEntryInputSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditEntryPatch = z.input<typeof auditEntryPatchSchema>;
