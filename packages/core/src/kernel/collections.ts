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
  /** Reminders already delivered, so none fires twice, across reloads and tabs. */
  'firedReminders',
  /** Marketing spend per source and period, for lead-source ROI. */
  'costEntries',
  /** Sales quotas per rep and month. */
  'quotas',
  /** Per-customer aggregates (value, recent activity, RFM) that segments and the 360 view read. */
  'customerStats',
  /** Every lifecycle stage change with the rule that made it. */
  'lifecycleChanges',
  CUSTOM_FIELDS_COLLECTION,
] as const;
export type CrmCollection = (typeof CRM_COLLECTIONS)[number];

/** Where audit entries are kept. */
export const AUDIT_COLLECTION = 'auditLog' satisfies CrmCollection;
