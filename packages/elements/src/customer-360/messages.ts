import { msg, str } from '@lit/localize';

/** The customer-360 card's strings (ids `crm.customer360.*`); translations live in `src/locales/`. */
export const customer360Messages = {
  label: (name: string): string => msg(str`Customer: ${name}`, { id: 'crm.customer360.label' }),
  notFound: (): string => msg('This customer does not exist.', { id: 'crm.customer360.not-found' }),
  noCustomer: (): string => msg('No customer selected.', { id: 'crm.customer360.no-customer' }),
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
  lostReason: (reason: string): string => msg(str`Reason: ${reason}`, { id: 'crm.customer360.lost-reason' }),

  // Value
  value: (): string => msg('Value', { id: 'crm.customer360.value' }),
  lifetimeValue: (): string => msg('Lifetime value', { id: 'crm.customer360.lifetime-value' }),
  averageOrderValue: (): string => msg('Average order value', { id: 'crm.customer360.average-order-value' }),
  convertedAt: (day: string): string =>
    msg(str`converted at exchange rates of ${day}`, { id: 'crm.customer360.converted-at' }),
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
  expectedClose: (date: string): string =>
    msg(str`Expected to close ${date}`, { id: 'crm.customer360.expected-close' }),
  closedOn: (date: string): string => msg(str`Closed ${date}`, { id: 'crm.customer360.closed-on' }),

  // Timeline
  timeline: (): string => msg('Activity timeline', { id: 'crm.customer360.timeline' }),
  noActivities: (): string => msg('No activities yet.', { id: 'crm.customer360.no-activities' }),
  loadMore: (): string => msg('Load more', { id: 'crm.customer360.load-more' }),
  loadingMore: (): string => msg('Loading more…', { id: 'crm.customer360.loading-more' }),
  loadedMore: (count: string): string =>
    msg(str`${count} more activities loaded.`, { id: 'crm.customer360.loaded-more' }),
  loadMoreFailed: (): string => msg('Could not load more activities.', { id: 'crm.customer360.load-more-failed' }),
  minutes: (count: string): string => msg(str`${count} min`, { id: 'crm.customer360.minutes' }),

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
  completedUndo: (task: string): string =>
    msg(str`Completed “${task}”. Undo is available for a few seconds.`, { id: 'crm.customer360.completed-undo' }),
  undo: (): string => msg('Undo', { id: 'crm.customer360.undo' }),
  undoLabel: (task: string): string => msg(str`Undo completing “${task}”`, { id: 'crm.customer360.undo-label' }),
  undoing: (): string => msg('Undoing…', { id: 'crm.customer360.undoing' }),
  reopened: (task: string): string => msg(str`Reopened “${task}”.`, { id: 'crm.customer360.reopened' }),
  reopenFailed: (task: string): string =>
    msg(str`Could not undo completing “${task}”; it stays completed.`, { id: 'crm.customer360.reopen-failed' }),
  recentlyCompleted: (): string => msg('Completed', { id: 'crm.customer360.recently-completed' }),
  completedOn: (date: string): string => msg(str`Completed ${date}`, { id: 'crm.customer360.completed-on' }),
  taskDone: (type: string): string => msg(str`Task done: ${type}`, { id: 'crm.customer360.task-done' }),

  // Consent
  consents: (): string => msg('Consent', { id: 'crm.customer360.consents' }),
  noConsents: (): string => msg('No consent recorded yet.', { id: 'crm.customer360.no-consents' }),
  consentDetail: (basis: string, date: string): string =>
    msg(str`${basis}, ${date}`, { id: 'crm.customer360.consent-detail' }),
};
