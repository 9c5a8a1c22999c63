import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { defineEntity } from './entity.js';
import {
  addressSchema,
  countryCodeSchema,
  emailSchema,
  idSchema,
  instantSchema,
  nameSchema,
  phoneSchema,
  safeUrlSchema,
  sourceSchema,
  tagsSchema,
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
export const lifecycleStageIdSchema = z
  .string('Expected a lifecycle stage id')
  .check(
    z.maxLength(64, 'Expected at most 64 characters'),
    z.regex(/^[a-z][a-z0-9_]*$/, 'Expected a stage id of lower-case letters, digits and _ such as at_risk'),
  );

/** Whether a customer is a person or an organisation. */
export const customerKinds = ['person', 'organisation'] as const;
export type CustomerKind = (typeof customerKinds)[number];

/** Up to 20 email addresses, defaulting to `[]`. */
const emailsProperty = z._default(z.array(emailSchema).check(z.maxLength(20)), () => []);
/** Up to 20 phone numbers, defaulting to `[]`. */
const phonesProperty = z._default(z.array(phoneSchema).check(z.maxLength(20)), () => []);

const customer = defineEntity({
  kind: z.enum(customerKinds),
  /** Display name: the person's full name or the organisation's name. */
  name: nameSchema,
  givenName: z.optional(nameSchema),
  familyName: z.optional(nameSchema),
  emails: emailsProperty,
  phones: phonesProperty,
  /** The organisation's legal name, or a person's employer. */
  company: z.optional(nameSchema),
  website: z.optional(safeUrlSchema),
  avatarUrl: z.optional(safeUrlSchema),
  source: z.optional(sourceSchema),
  ownerId: z.optional(idSchema),
  tags: tagsSchema,
  lifecycleStage: z._default(lifecycleStageIdSchema as z.ZodMiniType<LifecycleStage, string>, 'subscriber'),
  country: z.optional(countryCodeSchema),
  address: z.optional(addressSchema),
  /** The last interaction (activity) with the customer; written by activity logging, read by segments. */
  lastActivityAt: z.optional(instantSchema),
  customFields: customFieldsProperty,
});

/** What creating a customer accepts. */
export const customerInputSchema = customer.input;
/** A stored customer. */
export const customerSchema = customer.record;
/** An update to a customer. */
export const customerPatchSchema = customer.patch;
export type CustomerInput = z.input<typeof customerInputSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type CustomerPatch = z.input<typeof customerPatchSchema>;

const contact = defineEntity({
  /** The organisation customer this person works at. */
  customerId: idSchema,
  name: nameSchema,
  givenName: z.optional(nameSchema),
  familyName: z.optional(nameSchema),
  /** Job title. */
  title: z.optional(nameSchema),
  emails: emailsProperty,
  phones: phonesProperty,
  /** The customer's main contact. */
  primary: z._default(z.boolean(), false),
  customFields: customFieldsProperty,
});

/** What creating a contact accepts. */
export const contactInputSchema = contact.input;
/** A stored contact. */
export const contactSchema = contact.record;
/** An update to a contact. */
export const contactPatchSchema = contact.patch;
export type ContactInput = z.input<typeof contactInputSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type ContactPatch = z.input<typeof contactPatchSchema>;
