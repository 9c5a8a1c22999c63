/** What the lifecycle records and emits: its history records and the `customer.lifecycleChanged` event. */
import * as z from 'zod/mini';
import { idSchema, instantSchema } from '../model/primitives.js';

/** The collection of lifecycle history: one record per stage change of a customer. */
export const LIFECYCLE_CHANGES_COLLECTION = 'lifecycleChanges';

/** One lifecycle stage change: from, to, and why (the rule that fired, or `manual`). */
export const lifecycleChangeSchema = /* @__PURE__ */ z.object({
  id: idSchema,
  version: /* @__PURE__ */ z.number(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
  customerId: idSchema,
  from: /* @__PURE__ */ z.string(),
  to: /* @__PURE__ */ z.string(),
  /** The rule that fired; `manual` for a change through `setLifecycleStage`. */
  ruleId: /* @__PURE__ */ z.string(),
  /** What triggered the rule: an event fact, `sweep`, or `manual`. */
  trigger: /* @__PURE__ */ z.string(),
  at: instantSchema,
  /** The acting user. */
  by: idSchema,
});
export type LifecycleChange = z.infer<typeof lifecycleChangeSchema>;

/** The payload of `customer.lifecycleChanged`: ids and stage ids only. */
export interface CustomerLifecycleChangedEvent {
  readonly customerId: string;
  readonly from: string;
  readonly to: string;
  readonly ruleId: string;
  readonly changeId: string;
  readonly actorId: string;
  readonly at: string;
}
