/**
 * Access control: the policy (roles, ownership, teams, capabilities) and the guarded port every service goes
 * through. See the security guide.
 *
 * @module
 */
export {
  defaultAccessPolicy,
  OWNER_FIELDS,
  CONFIGURATION_COLLECTIONS,
  type AccessPolicy,
  type AccessAction,
  type Capability,
  type PolicyActor,
  type Scope,
} from './policy.js';
export { createGuard, underlying, wrapsOperations, type Guard } from './guard.js';
