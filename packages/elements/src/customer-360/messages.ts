import { msg, str } from '@lit/localize';

/** The customer-360 card's strings (ids `crm.customer360.*`); translations live in `src/locales/`. */
export const customer360Messages = {
  label: (name: string): string => msg(str`Customer: ${name}`, { id: 'crm.customer360.label' }),
  notFound: (): string => msg('This customer does not exist.', { id: 'crm.customer360.not-found' }),
  noCustomer: (): string => msg('No customer selected.', { id: 'crm.customer360.no-customer' }),
  person: (): string => msg('Person', { id: 'crm.customer360.kind.person' }),
  organisation: (): string => msg('Organisation', { id: 'crm.customer360.kind.organisation' }),
  lifecycleBadge: (stage: string): string => msg(str`Lifecycle stage: ${stage}`, { id: 'crm.customer360.stage-badge' }),

  // Profile
  profile: (): string => msg('Profile', { id: 'crm.customer360.profile' }),
  email: (): string => msg('Email', { id: 'crm.customer360.email' }),
  phone: (): string => msg('Phone', { id: 'crm.customer360.phone' }),
  company: (): string => msg('Company', { id: 'crm.customer360.company' }),
  website: (): string => msg('Website', { id: 'crm.customer360.website' }),
  address: (): string => msg('Address', { id: 'crm.customer360.address' }),
  tags: (): string => msg('Tags', { id: 'crm.customer360.tags' }),
  owner: (): string => msg('Owner', { id: 'crm.customer360.owner' }),
  source: (): string => msg('Source', { id: 'crm.customer360.source' }),
  masked: (): string => msg('Some contact details are hidden for your role.', { id: 'crm.customer360.masked-note' }),

  // Contacts
  contacts: (): string => msg('Contacts', { id: 'crm.customer360.contacts' }),
  noContacts: (): string => msg('No contacts yet.', { id: 'crm.customer360.no-contacts' }),
  primary: (): string => msg('Primary contact', { id: 'crm.customer360.primary' }),

  // Lifecycle
  lifecycle: (): string => msg('Lifecycle', { id: 'crm.customer360.lifecycle' }),
  currentStage: (): string => msg('Current stage', { id: 'crm.customer360.current-stage' }),
  history: (): string => msg('Stage history', { id: 'crm.customer360.history' }),
  noHistory: (): string => msg('No stage changes yet.', { id: 'crm.customer360.no-history' }),
  stageChange: (from: string, to: string): string => msg(str`${from} to ${to}`, { id: 'crm.customer360.stage-change' }),
  manualChange: (): string => msg('Changed by hand', { id: 'crm.customer360.manual-change' }),
  ruleChange: (rule: string): string => msg(str`Rule: ${rule}`, { id: 'crm.customer360.rule-change' }),

  // Value
  value: (): string => msg('Value', { id: 'crm.customer360.value' }),
  lifetimeValue: (): string => msg('Lifetime value', { id: 'crm.customer360.lifetime-value' }),
  averageOrderValue: (): string => msg('Average order value', { id: 'crm.customer360.average-order-value' }),
  purchaseFrequency: (): string => msg('Purchases per year', { id: 'crm.customer360.purchase-frequency' }),
  wonDeals: (): string => msg('Won deals', { id: 'crm.customer360.won-deals' }),
  lastPurchase: (): string => msg('Last purchase', { id: 'crm.customer360.last-purchase' }),
  rfm: (): string => msg('RFM score', { id: 'crm.customer360.rfm' }),
  rfmDetail: (r: string, f: string, m: string): string =>
    msg(str`recency ${r}, frequency ${f}, monetary ${m}`, { id: 'crm.customer360.rfm-detail' }),
  noPurchases: (): string => msg('No purchases yet.', { id: 'crm.customer360.no-purchases' }),

  // Segments
  segments: (): string => msg('Segments', { id: 'crm.customer360.segments' }),
  noSegments: (): string => msg('Not in any segment yet.', { id: 'crm.customer360.no-segments' }),

  // Deals
  deals: (): string => msg('Deals', { id: 'crm.customer360.deals' }),
  openDeals: (): string => msg('Open deals', { id: 'crm.customer360.open-deals' }),
  closedDeals: (): string => msg('Closed deals', { id: 'crm.customer360.closed-deals' }),
  noOpenDeals: (): string => msg('No open deals yet.', { id: 'crm.customer360.no-open-deals' }),
  noClosedDeals: (): string => msg('No closed deals yet.', { id: 'crm.customer360.no-closed-deals' }),
  won: (): string => msg('Won', { id: 'crm.customer360.won' }),
  lost: (): string => msg('Lost', { id: 'crm.customer360.lost' }),
  expectedClose: (date: string): string =>
    msg(str`Expected to close ${date}`, { id: 'crm.customer360.expected-close' }),
  closedOn: (date: string): string => msg(str`Closed ${date}`, { id: 'crm.customer360.closed-on' }),
  lostReason: (reason: string): string => msg(str`Reason: ${reason}`, { id: 'crm.customer360.lost-reason' }),

  // Timeline
  timeline: (): string => msg('Activity timeline', { id: 'crm.customer360.timeline' }),
  noActivities: (): string => msg('No activities yet.', { id: 'crm.customer360.no-activities' }),
  loadMore: (): string => msg('Load more', { id: 'crm.customer360.load-more' }),
  loadingMore: (): string => msg('Loading more…', { id: 'crm.customer360.loading-more' }),
  loadedMore: (count: string): string =>
    msg(str`${count} more activities loaded.`, { id: 'crm.customer360.loaded-more' }),
  loadMoreFailed: (): string => msg('Could not load more activities.', { id: 'crm.customer360.load-more-failed' }),
  minutes: (count: string): string => msg(str`${count} min`, { id: 'crm.customer360.minutes' }),
  activityEmail: (): string => msg('Email', { id: 'crm.customer360.activity.email' }),
  activityCall: (): string => msg('Call', { id: 'crm.customer360.activity.call' }),
  activityMeeting: (): string => msg('Meeting', { id: 'crm.customer360.activity.meeting' }),
  activityNote: (): string => msg('Note', { id: 'crm.customer360.activity.note' }),
  activityChat: (): string => msg('Chat', { id: 'crm.customer360.activity.chat' }),
  activityWebVisit: (): string => msg('Web visit', { id: 'crm.customer360.activity.web-visit' }),
  activitySms: (): string => msg('SMS', { id: 'crm.customer360.activity.sms' }),
  inbound: (): string => msg('Inbound', { id: 'crm.customer360.inbound' }),
  outbound: (): string => msg('Outbound', { id: 'crm.customer360.outbound' }),
  internal: (): string => msg('Internal', { id: 'crm.customer360.internal' }),

  // Tasks
  tasks: (): string => msg('Tasks', { id: 'crm.customer360.tasks' }),
  overdue: (): string => msg('Overdue', { id: 'crm.customer360.overdue' }),
  upcoming: (): string => msg('Upcoming', { id: 'crm.customer360.upcoming' }),
  noTasks: (): string => msg('No open tasks.', { id: 'crm.customer360.no-tasks' }),
  due: (date: string): string => msg(str`Due ${date}`, { id: 'crm.customer360.due' }),
  complete: (): string => msg('Complete', { id: 'crm.customer360.complete' }),
  completeLabel: (task: string): string => msg(str`Complete “${task}”`, { id: 'crm.customer360.complete-label' }),
  completing: (): string => msg('Completing…', { id: 'crm.customer360.completing' }),
  completed: (task: string): string => msg(str`Completed “${task}”.`, { id: 'crm.customer360.completed' }),
  completeFailed: (task: string): string =>
    msg(str`Could not complete “${task}”.`, { id: 'crm.customer360.complete-failed' }),
  completeConflict: (task: string): string =>
    msg(str`“${task}” was changed elsewhere; the latest version is shown. Try again.`, {
      id: 'crm.customer360.complete-conflict',
    }),
  completeForbidden: (): string =>
    msg('Your role may not complete tasks.', { id: 'crm.customer360.complete-forbidden' }),
  dismiss: (): string => msg('Dismiss', { id: 'crm.customer360.dismiss' }),
  taskCall: (): string => msg('Call', { id: 'crm.customer360.task.call' }),
  taskEmail: (): string => msg('Email', { id: 'crm.customer360.task.email' }),
  taskMeeting: (): string => msg('Meeting', { id: 'crm.customer360.task.meeting' }),
  taskFollowUp: (): string => msg('Follow-up', { id: 'crm.customer360.task.follow-up' }),
  taskTodo: (): string => msg('To-do', { id: 'crm.customer360.task.todo' }),

  // Consent
  consents: (): string => msg('Consent', { id: 'crm.customer360.consents' }),
  noConsents: (): string => msg('No consent recorded yet.', { id: 'crm.customer360.no-consents' }),
  granted: (): string => msg('Granted', { id: 'crm.customer360.granted' }),
  withdrawn: (): string => msg('Withdrawn', { id: 'crm.customer360.withdrawn' }),
  consentDetail: (basis: string, date: string): string =>
    msg(str`${basis}, ${date}`, { id: 'crm.customer360.consent-detail' }),
  purposeMarketingEmail: (): string => msg('Marketing email', { id: 'crm.customer360.purpose.marketing-email' }),
  purposeSms: (): string => msg('Text messages', { id: 'crm.customer360.purpose.sms' }),
  purposePhone: (): string => msg('Phone calls', { id: 'crm.customer360.purpose.phone' }),
  purposeProfiling: (): string => msg('Profiling', { id: 'crm.customer360.purpose.profiling' }),
  purposeDataProcessing: (): string => msg('Data processing', { id: 'crm.customer360.purpose.data-processing' }),
  basisConsent: (): string => msg('Consent', { id: 'crm.customer360.basis.consent' }),
  basisContract: (): string => msg('Contract', { id: 'crm.customer360.basis.contract' }),
  basisLegalObligation: (): string => msg('Legal obligation', { id: 'crm.customer360.basis.legal-obligation' }),
  basisVitalInterests: (): string => msg('Vital interests', { id: 'crm.customer360.basis.vital-interests' }),
  basisPublicTask: (): string => msg('Public task', { id: 'crm.customer360.basis.public-task' }),
  basisLegitimateInterests: (): string =>
    msg('Legitimate interests', { id: 'crm.customer360.basis.legitimate-interests' }),
};
