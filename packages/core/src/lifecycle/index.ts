/**
 * The customer lifecycle (客户生命周期): configurable stages and the rules that move a customer between them on
 * events (pure: `rules.ts`), and the operations `crm.customers` carries to apply them with history (`lifecycle.service.ts`).
 *
 * @module
 */
export {
  DEFAULT_LIFECYCLE,
  DEFAULT_LIFECYCLE_STAGES,
  defaultLifecycleRules,
  evaluateLifecycle,
  parseLifecycleConfig,
  lifecycleTriggers,
  type LifecycleConfig,
  type LifecycleRule,
  type LifecycleStageDefinition,
  type LifecycleTrigger,
  type LifecycleMove,
  type LifecycleEvaluation,
} from './rules.js';
export {
  LIFECYCLE_CHANGES_COLLECTION,
  lifecycleChangeSchema,
  type LifecycleChange,
  type CustomerLifecycleChangedEvent,
} from './events.js';
export { createLifecycleService, type LifecycleOperations } from './lifecycle.service.js';
