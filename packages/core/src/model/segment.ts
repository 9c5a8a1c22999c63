import * as z from 'zod/mini';
import { filterSchema } from '../filter/schema.js';
import { defineEntity } from './entity.js';
import { nameSchema, trimmedString } from './primitives.js';

/** Entities a segment can select. */
export const segmentEntities = ['customer', 'contact', 'lead', 'deal'] as const;
export type SegmentEntity = (typeof segmentEntities)[number];

// The shared filter language: a saved segment is exactly what a storage query accepts.
const segmentFilterSchema = filterSchema;

const segment = defineEntity({
  name: nameSchema,
  description: z.optional(trimmedString(2000)),
  /** The entity the filter runs over. */
  entity: z._default(z.enum(segmentEntities), 'customer'),
  /** The rule (the shared filter language) a record must match. */
  filter: segmentFilterSchema,
  /** Listed among the saved segments for reuse. */
  saved: z._default(z.boolean(), true),
});

/** What creating a segment accepts. */
export const segmentInputSchema = segment.input;
/** A stored segment. */
export const segmentSchema = segment.record;
/** An update to a segment. */
export const segmentPatchSchema = segment.patch;
export type SegmentInput = z.input<typeof segmentInputSchema>;
export type Segment = z.infer<typeof segmentSchema>;
export type SegmentPatch = z.input<typeof segmentPatchSchema>;
