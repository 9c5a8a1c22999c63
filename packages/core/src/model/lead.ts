import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import {
  emailSchema,
  idSchema,
  instantSchema,
  matchKeysProperty,
  nameSchema,
  phoneSchema,
  sourceSchema,
  trimmedString,
  sharedWithSchema,
} from './primitives.js';

/** A lead's progress: captured, being worked, qualified (合格线索), disqualified, or converted to customer and deal. */
export const leadStatuses = ['new', 'working', 'qualified', 'disqualified', 'converted'] as const;
export type LeadStatus = (typeof leadStatuses)[number];

const leadShape = {
  /** The person's name. */
  name: nameSchema,
  company: /* @__PURE__ */ z.optional(nameSchema),
  email: /* @__PURE__ */ z.optional(emailSchema),
  phone: /* @__PURE__ */ z.optional(phoneSchema),
  source: /* @__PURE__ */ z.optional(sourceSchema),
  campaign: /* @__PURE__ */ z.optional(nameSchema),
  status: /* @__PURE__ */ z._default(/* @__PURE__ */ z.enum(leadStatuses), 'new'),
  /** The lead score; scoring models decide the scale. */
  score: /* @__PURE__ */ z._default(/* @__PURE__ */ z.number(), 0),
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  sharedWith: sharedWithSchema,
  disqualifyReason: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(2000)),
  convertedCustomerId: /* @__PURE__ */ z.optional(idSchema),
  convertedDealId: /* @__PURE__ */ z.optional(idSchema),
  /** When the latest activity about it happened; kept by `crm.activities.log`. */
  lastActivityAt: /* @__PURE__ */ z.optional(instantSchema),
  customFields: customFieldsProperty,
};

/** What creating a lead accepts. */
export const leadInputSchema = /* @__PURE__ */ entityInput(leadShape);
/** A stored lead; `matchKeys` as for customers: the normalised e-mail, phone and name keys the services derive. */
export const leadSchema = /* @__PURE__ */ entityRecord({ ...leadShape, matchKeys: matchKeysProperty });
/** An update to a lead. */
export const leadPatchSchema = /* @__PURE__ */ entityPatch(leadShape);
export type LeadInput = z.input<typeof leadInputSchema>;
export type Lead = z.infer<typeof leadSchema>;
export type LeadPatch = z.input<typeof leadPatchSchema>;
