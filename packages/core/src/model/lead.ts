import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { defineEntity } from './entity.js';
import {
  emailSchema,
  idSchema,
  instantSchema,
  nameSchema,
  phoneSchema,
  sourceSchema,
  trimmedString,
} from './primitives.js';

/** A lead's progress: captured, being worked, qualified (合格线索), disqualified, or converted to customer and deal. */
export const leadStatuses = ['new', 'working', 'qualified', 'disqualified', 'converted'] as const;
export type LeadStatus = (typeof leadStatuses)[number];

const lead = defineEntity({
  /** The person's name. */
  name: nameSchema,
  company: z.optional(nameSchema),
  email: z.optional(emailSchema),
  phone: z.optional(phoneSchema),
  source: z.optional(sourceSchema),
  campaign: z.optional(nameSchema),
  status: z._default(z.enum(leadStatuses), 'new'),
  /** The lead score; scoring models decide the scale. */
  score: z._default(z.number(), 0),
  ownerId: z.optional(idSchema),
  disqualifyReason: z.optional(trimmedString(2000)),
  convertedCustomerId: z.optional(idSchema),
  convertedDealId: z.optional(idSchema),
  /** When the latest activity about it happened; kept by `crm.activities.log`. */
  lastActivityAt: z.optional(instantSchema),
  customFields: customFieldsProperty,
});

/** What creating a lead accepts. */
export const leadInputSchema = lead.input;
/** A stored lead. */
export const leadSchema = lead.record;
/** An update to a lead. */
export const leadPatchSchema = lead.patch;
export type LeadInput = z.input<typeof leadInputSchema>;
export type Lead = z.infer<typeof leadSchema>;
export type LeadPatch = z.input<typeof leadPatchSchema>;
