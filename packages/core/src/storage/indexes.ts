/**
 * Index declarations: the syntax every adapter reads, and the index design of the CRM's collections.
 *
 * The design lives in the port so every adapter maintains the same indexes: the memory adapter builds them in memory,
 * IndexedDB as object-store indexes, PostgreSQL as B-tree and GIN indexes. Each index serves the queries the services
 * make: an equality or range on its field, an order by it, membership in an array field.
 */
import { ValidationError } from '../errors/errors.js';
import type { IndexDesign } from './port.js';

/** One index, parsed. */
export interface IndexSpec {
  /** The spec as written, e.g. `*tags`. */
  readonly spec: string;
  /** The dotted field paths of the key, most significant first; more than one for a compound index. */
  readonly fields: readonly string[];
  /** One entry per element of the array at the (single) field: serves `hasAny`, `hasAll` and `in` on elements. */
  readonly multiEntry: boolean;
}

const FIELD = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * Parses one index spec: `field`, `a.b` (nested), `*field` (multi-entry over an array's elements) or `[a+b]`
 * (compound).
 *
 * @throws ValidationError naming the spec when it is none of these.
 */
export function parseIndexSpec(spec: string): IndexSpec {
  const multiEntry = spec.startsWith('*');
  const body = multiEntry ? spec.slice(1) : spec;
  const compound = body.startsWith('[') && body.endsWith(']');
  const fields = compound ? body.slice(1, -1).split('+') : [body];
  if (fields.some((field) => !FIELD.test(field)) || (multiEntry && compound) || (compound && fields.length < 2)) {
    throw new ValidationError([{ path: ['indexes'], message: `Not an index spec: ${spec.slice(0, 80)}` }], 'indexes');
  }
  return { spec, fields, multiEntry };
}

/** The parsed indexes of `collection` in `design` (none for a collection it does not name). */
export function indexesIn(design: IndexDesign, collection: string): IndexSpec[] {
  return Object.hasOwn(design, collection) ? (design[collection] ?? []).map(parseIndexSpec) : [];
}

/**
 * The CRM's index design: every field a service filters, orders or looks up by. `matchKeys` (leads, customers,
 * contacts) holds the normalised e-mail addresses and phone numbers duplicate detection looks up; `sharedWith`
 * (customers, contacts, leads, deals) is what the access policy's scopes look up beside the owner.
 */
export const CRM_INDEXES: IndexDesign = /* @__PURE__ */ Object.freeze({
  customers: [
    'ownerId',
    'lifecycleStage',
    'source',
    'country',
    'kind',
    'name',
    'createdAt',
    'updatedAt',
    '*tags',
    '*emails',
    '*phones',
    'lastActivityAt',
    '*matchKeys',
    '*sharedWith',
  ],
  contacts: ['customerId', 'name', 'updatedAt', '*emails', '*phones', '*matchKeys', '*sharedWith'],
  leads: [
    'ownerId',
    'status',
    'source',
    'score',
    'email',
    'phone',
    'name',
    'createdAt',
    'updatedAt',
    'convertedCustomerId',
    'lastActivityAt',
    'campaign',
    '*matchKeys',
    '[ownerId+status]',
    '*sharedWith',
  ],
  deals: [
    'ownerId',
    'pipelineId',
    'stageId',
    'status',
    'customerId',
    'source',
    'expectedCloseDate',
    'closedAt',
    'createdAt',
    'updatedAt',
    'amount.amountMinor',
    '[pipelineId+stageId]',
    'lastActivityAt',
    '*sharedWith',
  ],
  pipelines: [],
  stageChanges: ['dealId', 'toStageId', 'at'],
  activities: [
    'customerId',
    'contactId',
    'leadId',
    'dealId',
    'ownerId',
    'type',
    'occurredAt',
    '[customerId+occurredAt]',
    '[customerId+type]',
  ],
  tasks: [
    'assigneeId',
    'status',
    'dueAt',
    'related.id',
    'updatedAt',
    'completedAt',
    'seriesId',
    '[status+dueAt]',
    '[assigneeId+status+dueAt]',
  ],
  users: ['teamId', 'role', 'email'],
  teams: [],
  segments: ['entity'],
  consents: ['subjectId', 'purpose'],
  auditLog: ['at', 'entityId', 'actorId'],
  customFieldDefinitions: ['entity'],
  assignmentState: [],
  firedReminders: ['taskId', 'firedAt'],
  costEntries: ['source', 'campaign', 'from', 'to'],
  quotas: ['userId', 'month'],
  customerStats: [
    'wonDeals',
    'lastPurchaseAt',
    'lastActivityAt',
    'rfm.score',
    '*openDealStageIds',
    '*dealIds',
    '*recentActivityIds',
  ],
  lifecycleChanges: ['customerId', 'at', 'ruleId', '[customerId+at]'],
});
