import * as z from 'zod/mini';
import { filterSchema } from '../filter/schema.js';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import { nameSchema, trimmedString } from './primitives.js';

/** Entities a segment can select. */
export const segmentEntities = ['customer', 'contact', 'lead', 'deal'] as const;
export type SegmentEntity = (typeof segmentEntities)[number];

// The shared filter language: a saved segment is exactly what a storage query accepts.
const segmentFilterSchema = filterSchema;

const segmentShape = {
  name: nameSchema,
  description: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(2000)),
  /** The entity the filter runs over. */
  entity: /* @__PURE__ */ z._default(/* @__PURE__ */ z.enum(segmentEntities), 'customer'),
  /** The rule (the shared filter language) a record must match. */
  filter: segmentFilterSchema,
  /** Listed among the saved segments for reuse. */
  saved: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), true),
};

/** What creating a segment accepts. */
export const segmentInputSchema = /* @__PURE__ */ entityInput(segmentShape);
/** A stored segment. */
export const segmentSchema = /* @__PURE__ */ entityRecord(segmentShape);
/** An update to a segment. */
export const segmentPatchSchema = /* @__PURE__ */ entityPatch(segmentShape);
export type SegmentInput = z.input<typeof segmentInputSchema>;
export type Segment = z.infer<typeof segmentSchema>;
export type SegmentPatch = z.input<typeof segmentPatchSchema>;
