/** How `<crm-lead-convert>` reads what it shows: the lead, the pipeline the deal opens in, and who may own it. */
import {
  CrmErrorCode,
  DEFAULT_PIPELINE,
  DEFAULT_PIPELINE_ID,
  type Crm,
  type CustomFieldDefinition,
  type ExtendedLead,
  type Pipeline,
  type User,
} from '@crmkit/core';

/** A pipeline as the form needs it: its id and stages (the built-in one before it is installed has no metadata). */
export type ConvertPipeline = Pick<Pipeline, 'id' | 'name' | 'stages'>;

/** A user the deal can go to. */
export type ConvertUser = Pick<User, 'id' | 'name' | 'role' | 'active'>;

export interface LeadConvertData {
  readonly lead: ExtendedLead;
  readonly pipeline: ConvertPipeline;
  /** Every user, in storage order (the element sorts what it shows). */
  readonly users: readonly ConvertUser[];
  /** The custom fields of deals: labels for the ones a gate reads, and the required ones the form must ask for. */
  readonly dealFields: readonly CustomFieldDefinition[];
}

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === CrmErrorCode.notFound;

/**
 * The pipeline a conversion opens its deal in, as `crm.leads.convert` picks it: the one named, else the one marked
 * default, else the built-in one (which the conversion installs when it is not stored yet).
 */
async function conversionPipeline(crm: Crm, pipelineId: string | undefined): Promise<ConvertPipeline> {
  if (pipelineId === undefined) {
    const page = await crm.pipelines.list({
      where: { field: 'isDefault', op: 'eq', value: true },
      orderBy: [{ field: 'id' }],
      limit: 1,
    });
    const marked = page.records[0];
    if (marked) return marked;
  }
  const id = pipelineId ?? DEFAULT_PIPELINE_ID;
  try {
    return await crm.pipelines.get(id);
  } catch (error) {
    if (id === DEFAULT_PIPELINE_ID && isNotFound(error)) return DEFAULT_PIPELINE;
    throw error;
  }
}

type List<T> = (options: { after?: string }) => Promise<{ records: T[]; next?: string }>;

/** Every record of a list, page by page. */
async function listAll<T>(list: List<T>): Promise<T[]> {
  const records: T[] = [];
  let after: string | undefined;
  do {
    const page = await list(after ? { after } : {});
    records.push(...page.records);
    after = page.next;
  } while (after);
  return records;
}

export async function loadLeadConvert(crm: Crm, leadId: string, pipelineId?: string): Promise<LeadConvertData> {
  const [lead, pipeline, users, dealFields] = await Promise.all([
    crm.leads.get(leadId),
    conversionPipeline(crm, pipelineId),
    listAll((options) => crm.users.list(options)),
    listAll((options) => crm.customFields.list({ ...options, where: { field: 'entity', op: 'eq', value: 'deal' } })),
  ]);
  // By key, as core orders them (storage order is by id).
  dealFields.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { lead, pipeline, users, dealFields };
}
