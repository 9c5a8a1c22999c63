/**
 * The whole-snapshot check a restore runs before it writes anything: every record of every CRM collection against
 * its stored-record schema, so a bad backup is refused up front rather than found record by record on later reads.
 */
import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import { toValidationIssues } from '../errors/parse.js';
import { unknownKeyMessage } from '../errors/suggest.js';
import { extendedLeadSchema } from '../leads/schema.js';
import { lifecycleChangeSchema } from '../lifecycle/events.js';
import { activitySchema, taskSchema } from '../model/activity.js';
import { auditEntrySchema, consentSchema } from '../model/compliance.js';
import { customFieldDefinitionSchema } from '../model/custom-fields.js';
import { contactSchema, customerSchema } from '../model/customer.js';
import { dealSchema, pipelineSchema, stageChangeSchema } from '../model/deal.js';
import { segmentSchema } from '../model/segment.js';
import { teamSchema, userSchema } from '../model/user.js';
import type { StorageSnapshot } from '../storage/port.js';
import { checkSnapshotShape, parseSnapshot } from '../storage/snapshot.js';
import type { CrmCollection } from './collections.js';

/** At most this many issues are listed; the check stops once it has found them. */
export const SNAPSHOT_MAX_ISSUES = 20;

/**
 * The stored-record schema of each CRM collection that has one. The rest (assignment rotation, fired reminders,
 * customer aggregates, cost entries, quotas: state the CRM derives or keeps for itself) and a host's own collections
 * get the plain-object check only, on top of the id, version and timestamps every record is checked for.
 */
export const recordSchemas: Partial<Record<CrmCollection, z.ZodMiniType>> = {
  customers: customerSchema,
  contacts: contactSchema,
  // Leads are stored with what the lead service adds (score, its history, the assignment).
  leads: extendedLeadSchema,
  deals: dealSchema,
  pipelines: pipelineSchema,
  stageChanges: stageChangeSchema,
  activities: activitySchema,
  tasks: taskSchema,
  users: userSchema,
  teams: teamSchema,
  segments: segmentSchema,
  consents: consentSchema,
  auditLog: auditEntrySchema,
  lifecycleChanges: lifecycleChangeSchema,
  customFieldDefinitions: customFieldDefinitionSchema,
};

const keysBySchema = new WeakMap<z.ZodMiniType, ReadonlySet<string>>();

/** The top-level keys an object schema knows (every schema above is one). */
function shapeKeys(schema: z.ZodMiniType): ReadonlySet<string> {
  let keys = keysBySchema.get(schema);
  if (!keys) {
    const shape = (schema._zod.def as { shape?: Record<string, unknown> }).shape;
    keysBySchema.set(schema, (keys = new Set(Object.keys(shape ?? {}))));
  }
  return keys;
}

/** True for an object made by a literal or `JSON.parse` (or with no prototype), not an array or a class instance. */
function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Validates a snapshot in full before a restore writes anything: its format, collection names, record ids, versions,
 * timestamps and nesting (as `importSnapshot` does), then every record of every known CRM collection against its
 * stored-record schema, strictly (a key the schema does not know is an issue), and every other record for being a
 * plain object.
 *
 * @throws ValidationError listing up to {@link SNAPSHOT_MAX_ISSUES} issues, each at the record's path within the
 *   snapshot, e.g. `['collections', 'customers', 3, 'emails', 0]`. Messages name what was expected, never a value.
 */
export function checkSnapshotRecords(snapshot: StorageSnapshot): void {
  checkSnapshotShape(snapshot);
  parseSnapshot(snapshot);
  const issues: ValidationIssue[] = [];
  // The records as given, not the parsed copies: those are plain objects whatever the input held.
  for (const [name, records] of Object.entries(snapshot.collections)) {
    const schema = Object.hasOwn(recordSchemas, name) ? recordSchemas[name as CrmCollection] : undefined;
    for (let index = 0; index < records.length && issues.length < SNAPSHOT_MAX_ISSUES; index++) {
      const at = ['collections', name, index];
      const record: unknown = records[index];
      if (!isPlainObject(record)) {
        issues.push({ path: at, message: 'Expected a plain object' });
        continue;
      }
      if (!schema) continue;
      const result = z.safeParse(schema, record);
      if (!result.success) {
        for (const issue of toValidationIssues(result.error)) issues.push({ ...issue, path: [...at, ...issue.path] });
      }
      // Strictly, as every input from outside: reading drops a key the schema does not know, so restoring one would
      // keep data no read ever returns.
      const known = shapeKeys(schema);
      for (const key of Object.keys(record as object)) {
        if (!known.has(key)) issues.push({ path: [...at, key], message: unknownKeyMessage(key, known) });
      }
    }
  }
  if (issues.length > 0) throw new ValidationError(issues.slice(0, SNAPSHOT_MAX_ISSUES), 'snapshot');
}
