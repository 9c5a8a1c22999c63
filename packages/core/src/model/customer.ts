import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import {
  addressSchema,
  countryCodeSchema,
  emailSchema,
  idSchema,
  instantSchema,
  matchKeysProperty,
  nameSchema,
  phoneSchema,
  safeUrlSchema,
  sourceSchema,
  tagsSchema,
  sharedWithSchema,
} from './primitives.js';

/**
 * The default customer lifecycle (客户生命周期): subscriber → lead → MQL → SQL → opportunity → customer → evangelist,
 * plus at-risk and churned. A CRM may configure its own stages (see `lifecycle/`): the stored value is any stage id,
 * validated against the configured list by the customer service.
 */
export const lifecycleStages = [
  'subscriber',
  'lead',
  'mql',
  'sql',
  'opportunity',
  'customer',
  'evangelist',
  'at_risk',
  'churned',
] as const;
/** One of the default stage ids. */
export type DefaultLifecycleStage = (typeof lifecycleStages)[number];
/** A lifecycle stage id: a default one or one a CRM configured. */
export type LifecycleStage = DefaultLifecycleStage | (string & {});

/** A lifecycle stage id: lower-case letters, digits and `_`, starting with a letter, at most 64 characters. */
export const lifecycleStageIdSchema = /* @__PURE__ */ z
  .string('Expected a lifecycle stage id')
  .check(
    /* @__PURE__ */ z.maxLength(64, 'Expected at most 64 characters'),
    /* @__PURE__ */ z.regex(
      /^[a-z][a-z0-9_]*$/,
      'Expected a stage id of lower-case letters, digits and _ such as at_risk',
    ),
  );

/** Whether a customer is a person or an organisation. */
export const customerKinds = ['person', 'organisation'] as const;
export type CustomerKind = (typeof customerKinds)[number];

/** Up to 20 email addresses, defaulting to `[]`. */
const emailsProperty = /* @__PURE__ */ z._default(
  /* @__PURE__ */ z.array(emailSchema).check(/* @__PURE__ */ z.maxLength(20)),
  () => [],
);
/** Up to 20 phone numbers, defaulting to `[]`. */
const phonesProperty = /* @__PURE__ */ z._default(
  /* @__PURE__ */ z.array(phoneSchema).check(/* @__PURE__ */ z.maxLength(20)),
  () => [],
);

const customerShape = {
  kind: /* @__PURE__ */ z.enum(customerKinds),
  /** Display name: the person's full name or the organisation's name. */
  name: nameSchema,
  givenName: /* @__PURE__ */ z.optional(nameSchema),
  familyName: /* @__PURE__ */ z.optional(nameSchema),
  emails: emailsProperty,
  phones: phonesProperty,
  /** The organisation's legal name, or a person's employer. */
  company: /* @__PURE__ */ z.optional(nameSchema),
  website: /* @__PURE__ */ z.optional(safeUrlSchema),
  avatarUrl: /* @__PURE__ */ z.optional(safeUrlSchema),
  source: /* @__PURE__ */ z.optional(sourceSchema),
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  sharedWith: sharedWithSchema,
  tags: tagsSchema,
  lifecycleStage: /* @__PURE__ */ z._default(
    lifecycleStageIdSchema as z.ZodMiniType<LifecycleStage, string>,
    'subscriber',
  ),
  country: /* @__PURE__ */ z.optional(countryCodeSchema),
  address: /* @__PURE__ */ z.optional(addressSchema),
  /** The last interaction (activity) with the customer; written by activity logging, read by segments. */
  lastActivityAt: /* @__PURE__ */ z.optional(instantSchema),
  customFields: customFieldsProperty,
};

/** What creating a customer accepts. */
export const customerInputSchema = /* @__PURE__ */ entityInput(customerShape);
/** A stored customer. */
export const customerSchema = /* @__PURE__ */ entityRecord({ ...customerShape, matchKeys: matchKeysProperty });
/** An update to a customer. */
export const customerPatchSchema = /* @__PURE__ */ entityPatch(customerShape);
export type CustomerInput = z.input<typeof customerInputSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type CustomerPatch = z.input<typeof customerPatchSchema>;

const contactShape = {
  /** The organisation customer this person works at. */
  customerId: idSchema,
  /** Who owns the contact: its customer's owner unless given, and moved along when the customer is reassigned. */
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  sharedWith: sharedWithSchema,
  name: nameSchema,
  givenName: /* @__PURE__ */ z.optional(nameSchema),
  familyName: /* @__PURE__ */ z.optional(nameSchema),
  /** Job title. */
  title: /* @__PURE__ */ z.optional(nameSchema),
  emails: emailsProperty,
  phones: phonesProperty,
  /** The customer's main contact. */
  primary: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), false),
  customFields: customFieldsProperty,
};

/** What creating a contact accepts. */
export const contactInputSchema = /* @__PURE__ */ entityInput(contactShape);
/** A stored contact. */
export const contactSchema = /* @__PURE__ */ entityRecord({ ...contactShape, matchKeys: matchKeysProperty });
/** An update to a contact. */
export const contactPatchSchema = /* @__PURE__ */ entityPatch(contactShape);
export type ContactInput = z.input<typeof contactInputSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type ContactPatch = z.input<typeof contactPatchSchema>;
