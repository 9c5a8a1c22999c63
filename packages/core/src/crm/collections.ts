import { CUSTOM_FIELDS_COLLECTION } from '../model/custom-fields.js';

/** The storage collections the CRM uses; adapters with a fixed schema create exactly these. */
export const CRM_COLLECTIONS = [
  'customers',
  'contacts',
  'leads',
  'deals',
  'pipelines',
  'stageChanges',
  'activities',
  'tasks',
  'users',
  'teams',
  'segments',
  'consents',
  'auditLog',
  /** Round-robin positions of lead assignment, so rotation stays fair across sessions. */
  'assignmentState',
  CUSTOM_FIELDS_COLLECTION,
] as const;
export type CrmCollection = (typeof CRM_COLLECTIONS)[number];

/** Where audit entries are kept. */
export const AUDIT_COLLECTION = 'auditLog' satisfies CrmCollection;
