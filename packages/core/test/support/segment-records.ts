/** Stored customers and aggregate records for segment tests, as the CRM would have written them at `at`. */
import type { StoredRecord } from '@crmkit/core';
import type { CustomerStats } from '../../src/segments/index.js';

/** A stored customer with the required fields filled in and `fields` on top. */
export const customerRecord = (id: string, fields: Record<string, unknown>, at: string): StoredRecord =>
  Object.freeze({
    id,
    kind: 'person',
    name: `Customer ${id}`,
    emails: [],
    phones: [],
    tags: [],
    lifecycleStage: 'lead',
    customFields: {},
    ...fields,
    version: 1,
    createdAt: at,
    updatedAt: at,
  }) as StoredRecord;

/** A stored aggregate record. */
export const statsRecord = (stats: CustomerStats, at: string): StoredRecord =>
  Object.freeze({
    ...stats,
    dealIds: [],
    recentActivityIds: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
  }) as unknown as StoredRecord;
