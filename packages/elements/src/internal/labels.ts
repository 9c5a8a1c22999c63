import { msg } from '@lit/localize';
import type { LocalizedText } from '@crmkit/core';
import { getCrmLocale } from './localize.js';

/** Labels of one kind of code, by code. */
type LabelTable = Readonly<Record<string, () => string>>;

const source = {
  web: () => msg('Website', { id: 'crm.source.web' }),
  website: () => msg('Website', { id: 'crm.source.website' }),
  referral: () => msg('Referral', { id: 'crm.source.referral' }),
  trade_show: () => msg('Trade show', { id: 'crm.source.trade-show' }),
  wechat: () => msg('WeChat', { id: 'crm.source.wechat' }),
  cold_call: () => msg('Cold call', { id: 'crm.source.cold-call' }),
  ads: () => msg('Advertising', { id: 'crm.source.ads' }),
  email: () => msg('Email', { id: 'crm.source.email' }),
  phone: () => msg('Phone', { id: 'crm.source.phone' }),
  partner: () => msg('Partner', { id: 'crm.source.partner' }),
  event: () => msg('Event', { id: 'crm.source.event' }),
  social: () => msg('Social media', { id: 'crm.source.social' }),
} as const satisfies LabelTable;

const channel = {
  phone: () => msg('Phone', { id: 'crm.label.channel.phone' }),
  in_person: () => msg('In person', { id: 'crm.label.channel.in-person' }),
  tencent_meeting: () => msg('Tencent Meeting', { id: 'crm.label.channel.tencent-meeting' }),
  wechat: () => msg('WeChat', { id: 'crm.label.channel.wechat' }),
  wecom: () => msg('WeCom', { id: 'crm.label.channel.wecom' }),
  dingtalk: () => msg('DingTalk', { id: 'crm.label.channel.dingtalk' }),
  feishu: () => msg('Feishu', { id: 'crm.label.channel.feishu' }),
  zoom: () => msg('Zoom', { id: 'crm.label.channel.zoom' }),
  teams: () => msg('Microsoft Teams', { id: 'crm.label.channel.teams' }),
  email: () => msg('Email', { id: 'crm.label.channel.email' }),
  sms: () => msg('SMS', { id: 'crm.label.channel.sms' }),
  website: () => msg('Website', { id: 'crm.label.channel.website' }),
  video_call: () => msg('Video call', { id: 'crm.label.channel.video-call' }),
} as const satisfies LabelTable;

const activityType = {
  email: () => msg('Email', { id: 'crm.label.activity.email' }),
  call: () => msg('Call', { id: 'crm.label.activity.call' }),
  meeting: () => msg('Meeting', { id: 'crm.label.activity.meeting' }),
  note: () => msg('Note', { id: 'crm.label.activity.note' }),
  chat: () => msg('Chat', { id: 'crm.label.activity.chat' }),
  web_visit: () => msg('Web visit', { id: 'crm.label.activity.web-visit' }),
  sms: () => msg('SMS', { id: 'crm.label.activity.sms' }),
} as const satisfies LabelTable;

const direction = {
  inbound: () => msg('Inbound', { id: 'crm.label.direction.inbound' }),
  outbound: () => msg('Outbound', { id: 'crm.label.direction.outbound' }),
  internal: () => msg('Internal', { id: 'crm.label.direction.internal' }),
} as const satisfies LabelTable;

const lifecycleStage = {
  subscriber: () => msg('Subscriber', { id: 'crm.label.lifecycle.subscriber' }),
  lead: () => msg('Lead', { id: 'crm.label.lifecycle.lead' }),
  mql: () => msg('Marketing qualified lead', { id: 'crm.label.lifecycle.mql' }),
  sql: () => msg('Sales qualified lead', { id: 'crm.label.lifecycle.sql' }),
  opportunity: () => msg('Opportunity', { id: 'crm.label.lifecycle.opportunity' }),
  customer: () => msg('Customer', { id: 'crm.label.lifecycle.customer' }),
  evangelist: () => msg('Evangelist', { id: 'crm.label.lifecycle.evangelist' }),
  at_risk: () => msg('At risk', { id: 'crm.label.lifecycle.at-risk' }),
  churned: () => msg('Churned', { id: 'crm.label.lifecycle.churned' }),
} as const satisfies LabelTable;

const lifecycleRule = {
  manual: () => msg('Changed by hand', { id: 'crm.label.rule.manual' }),
  'won-again': () => msg('Won again after lapsing', { id: 'crm.label.rule.won-again' }),
  'first-won-deal': () => msg('First deal won', { id: 'crm.label.rule.first-won-deal' }),
  'open-deal': () => msg('A deal was opened', { id: 'crm.label.rule.open-deal' }),
  churned: () => msg('No purchase for a year', { id: 'crm.label.rule.churned' }),
  'at-risk': () => msg('No recent purchase', { id: 'crm.label.rule.at-risk' }),
} as const satisfies LabelTable;

const taskType = {
  call: () => msg('Call', { id: 'crm.label.task.call' }),
  email: () => msg('Email', { id: 'crm.label.task.email' }),
  meeting: () => msg('Meeting', { id: 'crm.label.task.meeting' }),
  follow_up: () => msg('Follow-up', { id: 'crm.label.task.follow-up' }),
  todo: () => msg('To-do', { id: 'crm.label.task.todo' }),
} as const satisfies LabelTable;

const taskStatus = {
  open: () => msg('Open', { id: 'crm.label.task-status.open' }),
  done: () => msg('Done', { id: 'crm.label.task-status.done' }),
  cancelled: () => msg('Cancelled', { id: 'crm.label.task-status.cancelled' }),
} as const satisfies LabelTable;

const lostReason = {
  price: () => msg('Price too high', { id: 'crm.label.lost.price' }),
  competitor: () => msg('Chose a competitor', { id: 'crm.label.lost.competitor' }),
  budget: () => msg('No budget', { id: 'crm.label.lost.budget' }),
  timing: () => msg('Bad timing', { id: 'crm.label.lost.timing' }),
  no_decision: () => msg('No decision made', { id: 'crm.label.lost.no-decision' }),
  requirements: () => msg('Requirements not met', { id: 'crm.label.lost.requirements' }),
  unresponsive: () => msg('Stopped responding', { id: 'crm.label.lost.unresponsive' }),
  other: () => msg('Other', { id: 'crm.label.lost.other' }),
} as const satisfies LabelTable;

const dealStatus = {
  open: () => msg('Open', { id: 'crm.label.deal.open' }),
  won: () => msg('Won', { id: 'crm.label.deal.won' }),
  lost: () => msg('Lost', { id: 'crm.label.deal.lost' }),
} as const satisfies LabelTable;

const consentPurpose = {
  marketing_email: () => msg('Marketing email', { id: 'crm.label.purpose.marketing-email' }),
  sms: () => msg('Text messages', { id: 'crm.label.purpose.sms' }),
  phone: () => msg('Phone calls', { id: 'crm.label.purpose.phone' }),
  profiling: () => msg('Profiling', { id: 'crm.label.purpose.profiling' }),
  data_processing: () => msg('Data processing', { id: 'crm.label.purpose.data-processing' }),
} as const satisfies LabelTable;

const legalBasis = {
  consent: () => msg('Consent', { id: 'crm.label.basis.consent' }),
  contract: () => msg('Contract', { id: 'crm.label.basis.contract' }),
  legal_obligation: () => msg('Legal obligation', { id: 'crm.label.basis.legal-obligation' }),
  vital_interests: () => msg('Vital interests', { id: 'crm.label.basis.vital-interests' }),
  public_task: () => msg('Public task', { id: 'crm.label.basis.public-task' }),
  legitimate_interests: () => msg('Legitimate interests', { id: 'crm.label.basis.legitimate-interests' }),
} as const satisfies LabelTable;

const consentStatus = {
  granted: () => msg('Granted', { id: 'crm.label.consent.granted' }),
  withdrawn: () => msg('Withdrawn', { id: 'crm.label.consent.withdrawn' }),
} as const satisfies LabelTable;

const customerKind = {
  person: () => msg('Person', { id: 'crm.label.kind.person' }),
  organisation: () => msg('Organisation', { id: 'crm.label.kind.organisation' }),
} as const satisfies LabelTable;

const leadStatus = {
  new: () => msg('New', { id: 'crm.label.lead.new' }),
  working: () => msg('Working', { id: 'crm.label.lead.working' }),
  qualified: () => msg('Qualified', { id: 'crm.label.lead.qualified' }),
  disqualified: () => msg('Disqualified', { id: 'crm.label.lead.disqualified' }),
  converted: () => msg('Converted', { id: 'crm.label.lead.converted' }),
} as const satisfies LabelTable;

/**
 * The one table of labels for the codes crmkit stores and a person may see: lead and deal sources, activity types,
 * channels and directions, lifecycle stages and rule ids, task types and statuses, lost reasons, deal statuses,
 * consent purposes, legal bases and statuses, customer kinds and lead statuses. Every element (and a host's own
 * views, through `crmLabel`) reads its labels here, so a code reads the same everywhere, in English and in
 * Simplified Chinese (ids `crm.source.*` and `crm.label.*`; translations in `src/locales/`).
 */
const table = {
  source,
  channel,
  activityType,
  direction,
  lifecycleStage,
  lifecycleRule,
  taskType,
  taskStatus,
  lostReason,
  dealStatus,
  consentPurpose,
  legalBasis,
  consentStatus,
  customerKind,
  leadStatus,
};

/** The kinds of code crmkit labels. */
export type CrmLabelKind = keyof typeof table;

/** Every kind of code, in the table's order. */
export const crmLabelKinds = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ Object.keys(table),
) as readonly CrmLabelKind[];

/**
 * A host's own labels, by kind and code: a plain string (shown in every language) or `{ en, 'zh-CN' }`. They come
 * before crmkit's, so a host can relabel a code or label its own (a source `douyin`, a channel `whatsapp`, a rule id
 * of its own lifecycle rules). Give them once on `<crm-provider .labels=${…}>`; every element below uses them.
 */
export type CrmLabels = {
  readonly [K in CrmLabelKind]?: Readonly<Record<string, string | LocalizedText>>;
};

/** The codes crmkit labels itself, by kind. */
export function crmLabelCodes(kind: CrmLabelKind): readonly string[] {
  return Object.keys(table[kind]);
}

/**
 * An unknown code as readable words: `tencent_meeting` → `Tencent meeting`, `partnerPortal` → `Partner portal`,
 * `open-deal` → `Open deal`, `douyin` → `Douyin`. Text that is not a code — with spaces, in another script, or
 * capitalised like a name (`WeChat`, `抖音`, `Chose a competitor`) — stays as written. Never shows a snake_case code.
 */
export function humanizeCode(code: string): string {
  const text = code.trim();
  if (!/^[a-z][A-Za-z0-9]*(?:[_\-.][A-Za-z0-9]+)*$/.test(text)) return text;
  const words = text
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The label of a code in crmkit's current message language (see `setCrmLocale`): the host's own label from
 * `labels` first, then crmkit's, then the code as readable words ({@link humanizeCode}).
 */
export function crmLabel(kind: CrmLabelKind, code: string, labels?: CrmLabels): string {
  return labelIn(table[kind], kind, code, labels);
}

/**
 * {@link crmLabel} of a source: for an element that shows only sources, so that a bundler leaves the other kinds'
 * labels out of its download.
 */
export function sourceLabel(code: string, labels?: CrmLabels): string {
  return labelIn(source, 'source', code, labels);
}

/** {@link crmLabel} of a lost reason, for the same reason as {@link sourceLabel}. */
export function lostReasonLabel(code: string, labels?: CrmLabels): string {
  return labelIn(lostReason, 'lostReason', code, labels);
}

function labelIn(known: LabelTable, kind: CrmLabelKind, code: string, labels: CrmLabels | undefined): string {
  const own = labels?.[kind];
  if (own && Object.hasOwn(own, code)) {
    const text = own[code];
    if (typeof text === 'string' && text) return text;
    if (text && typeof text === 'object') return (getCrmLocale() === 'zh-CN' && text['zh-CN']) || text.en;
  }
  return Object.hasOwn(known, code) ? known[code]!() : humanizeCode(code);
}

/** Whether crmkit (or the host's `labels`) has a label of its own for a code, rather than its readable words. */
export function hasCrmLabel(kind: CrmLabelKind, code: string, labels?: CrmLabels): boolean {
  return Object.hasOwn(table[kind], code) || Boolean(labels?.[kind] && Object.hasOwn(labels[kind], code));
}
