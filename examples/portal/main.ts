// The Lumen Lighting Co. intranet's sales desk: a host page that embeds crmkit, on a team server or in this browser.
//
// - Team (server), the default when `npm start` serves the page: `createRemoteCrm` over the team server's /api, as
//   the demo user chosen in the sign-in switcher (admin, manager, two reps, a viewer); each sees and may change what
//   the access policy gives their role, and a second window signed in as someone else sees changes arrive live
//   through the client's change stream (session.ts, team-server.ts).
// - This browser (IndexedDB): `createCrm` over `createDexieStorage`. On the first visit it loads a year of demo history
//   up to today (crmkit's generator, seed 1); "Reset demo data" loads a fresh copy.
// - Pipeline: <crm-pipeline-board>. Opening a card (click, or Enter) shows its customer in <crm-customer-360>.
// - New lead: <crm-lead-form> stores the lead; the page then offers converting it into a customer and a deal in
//   <crm-lead-convert> (crm-lead-captured → lead-id), which asks for what the pipeline's stage gates need and shows
//   who will own the deal. The deal appears on the board without a reload.
// - Reports: the funnel, sales trend, lead sources with ROI, salesperson performance and the forecast, from
//   crm.reports.*, in the page's own tables.
// - English or Chinese: the switch sets the provider's `locale` and the page's own strings.
// - Open a second tab: every element and report follows changes made in the other (the storage's change feed).
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import '@crmkit/elements/crm-customer-360';
import '@crmkit/elements/crm-lead-form';
import '@crmkit/elements/crm-lead-convert';
import { createRemoteCrm } from '@crmkit/client';
import { CRM_COLLECTIONS, CrmErrorCode, createCrm, type Crm } from '@crmkit/core';
import { DEMO_PIPELINE_ID } from '@crmkit/core/testing';
import { createDexieStorage, type DexieStorage } from '@crmkit/storage-dexie';
import type { CrmCustomer360, CrmLeadConvert, CrmLeadForm, CrmPipelineBoard, CrmProvider } from '@crmkit/elements';
import { CustomerFinder } from './customers.js';
import { demoSnapshot } from './demo-data.js';
import { CURRENCY, DEFAULT_REGION, TIME_ZONE } from './demo-settings.js';
import { byId, fill, h } from './dom.js';
import {
  DEMO_RATES,
  demoExchangeRates,
  Formats,
  HOST_LABELS,
  localDate,
  loadReports,
  renderReports,
  sourceLabel,
  type ReportBundle,
} from './reports.js';
import {
  API_URL,
  findTeam,
  remember,
  signedInUser,
  startMode,
  type DemoUser,
  type Mode,
  type Team,
} from './session.js';
import { LOCALES, STRINGS, type Locale, type Strings, type TextKey } from './strings.js';

const DATABASE = 'lumen-intranet-crm';
/** Who uses the browser-only CRM: the demo data's administrator. */
const ACTOR = { id: 'usr-0001', role: 'admin' } as const;
const PIPELINE_ID = DEMO_PIPELINE_ID;
const LOCALE_KEY = 'lumen-intranet.locale';
const LEAD_SOURCES = ['trade_show', 'referral', 'website', 'wechat', 'cold_call', 'ads'] as const;
/** Collections the reports read: a change to any of them recomputes the reports. */
const REPORT_COLLECTIONS = new Set([
  'deals',
  'leads',
  'stageChanges',
  'pipelines',
  'activities',
  'users',
  'costEntries',
  'quotas',
]);

type View = 'pipeline' | 'customers' | 'new-lead' | 'reports';
const VIEWS: readonly View[] = ['pipeline', 'customers', 'new-lead', 'reports'];

// ——— the page ———

const provider = byId<CrmProvider>('crm');
const board = byId<CrmPipelineBoard>('board');
const customerCard = byId<CrmCustomer360>('customer-card');
const leadForm = byId<CrmLeadForm>('lead-form');
const statusLine = byId('status');
const reloadButton = byId<HTMLButtonElement>('reload');
const resetButton = byId<HTMLButtonElement>('reset');
const localeSelect = byId<HTMLSelectElement>('locale');
const leadSource = byId<HTMLSelectElement>('lead-source');
const convertPanel = byId('convert-panel');
const leadConvert = byId<CrmLeadConvert>('lead-convert');
const convertResult = byId('convert-result');
const convertNext = byId('convert-next');
const leaveLead = byId<HTMLButtonElement>('leave-lead');
const reportPeriod = byId<HTMLSelectElement>('report-period');
const reportStatus = byId('report-status');
const reportsContainer = byId('reports');
const sessionForm = byId<HTMLFormElement>('session-form');
const modeSelect = byId<HTMLSelectElement>('mode');
const userField = byId('user-field');
const userSelect = byId<HTMLSelectElement>('demo-user');

// ——— state ———

/** The browser-only mode's database, opened only in that mode. */
let storage: DexieStorage | undefined;
let crm: Crm | undefined;
let mode: Mode = 'browser';
let team: Team = { state: 'unknown' };
/** Who this window is signed in as, in team mode. */
let teamUser: DemoUser | undefined;
let locale: Locale = initialLocale();
let view: View = 'pipeline';
type StatusKey =
  | 'opening'
  | 'seeding'
  | 'ready'
  | 'resetting'
  | 'resetDone'
  | 'failed'
  | 'upgraded'
  | 'connecting'
  | 'readyTeam'
  | 'notAllowed';
let statusKey: StatusKey = 'opening';
let signedInName = '';
let finder: CustomerFinder | undefined;
/** The lead the form just captured, while the page offers converting it. */
let pendingLead: { id: string; name: string } | undefined;
/** What the last conversion created. */
let converted: { dealId: string; customerId: string } | undefined;
let reports: ReportBundle | undefined;
let reportsStale = true;
let reportsFailed = false;

const t = (): Strings => STRINGS[locale];

function initialLocale(): Locale {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(LOCALE_KEY);
  } catch {
    // Storage may be refused (privacy settings); the browser's language decides then.
  }
  if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

// ——— language ———

/** The lead-source choices, labelled from crmkit's shared table (with the intranet's own labels) in its language. */
function fillLeadSources(): void {
  fill(
    leadSource,
    ...LEAD_SOURCES.map((source) =>
      h('option', { value: source, selected: source === leadForm.source }, sourceLabel(source, t())),
    ),
  );
}

function applyLocale(): void {
  const strings = t();
  document.documentElement.lang = locale;
  document.title = strings.docTitle;
  localeSelect.value = locale;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = strings[element.dataset['i18n'] as TextKey];
  }
  // crmkit's elements: their messages, numbers, money and dates follow the provider's locale.
  provider.locale = locale;
  leadForm.label = strings.newLeadTitle;
  leadForm.submitLabel = strings.saveLead;
  leadForm.successMessage = strings.leadSaved;
  fillLeadSources();
  for (const option of reportPeriod.options) option.textContent = strings.periods[option.value] ?? option.value;
  byId('report-note').textContent = strings.ratesNote(
    new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(DEMO_RATES.USD),
    new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: TIME_ZONE }).format(new Date()),
  );
  byId('signed-in').textContent = signedInName ? strings.signedInAs(signedInName) : '';
  byId('footer').textContent = mode === 'team' ? strings.footerTeam : strings.footer;
  renderSessionForm();
  showStatus(statusKey);
  renderConvertPanel();
  renderCustomers();
  renderReportsView();
}

// crmkit's labels (sources in the lead form's choices and the reports) switch language once its messages have loaded.
provider.labels = HOST_LABELS;
provider.addEventListener('crm-locale-change', () => {
  fillLeadSources();
  renderReportsView();
});

localeSelect.addEventListener('change', () => {
  locale = localeSelect.value as Locale;
  try {
    localStorage.setItem(LOCALE_KEY, locale);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  applyLocale();
});

function showStatus(key: StatusKey): void {
  statusKey = key;
  const strings = t();
  statusLine.textContent =
    key === 'readyTeam'
      ? strings.readyTeam(teamUser?.name ?? '', strings.roles[teamUser?.role ?? 'rep'] ?? '')
      : strings[key];
  statusLine.classList.toggle('error', key === 'failed' || key === 'upgraded' || key === 'notAllowed');
}

// ——— where the data lives, and who is signed in ———

/** The mode and sign-in switcher, in the page's language: the team option says why it cannot be chosen. */
function renderSessionForm(): void {
  const strings = t();
  const teamOption = modeSelect.options[0]!;
  teamOption.disabled = team.state === 'absent' || team.state === 'local-only';
  teamOption.textContent =
    team.state === 'available' || team.state === 'unknown'
      ? strings.modeTeam
      : team.state === 'local-only'
        ? strings.modeTeamLocalOnly
        : strings.modeTeamAbsent;
  const users = team.state === 'available' ? team.users : [];
  // The choice being made, once the list is shown; who is signed in (or would be) before.
  const chosen = userSelect.options.length > 0 ? userSelect.value : teamUser?.id;
  fill(
    userSelect,
    ...users.map((user) =>
      h(
        'option',
        { value: user.id, selected: user.id === chosen },
        strings.userChoice(user.name, strings.roles[user.role] ?? user.role),
      ),
    ),
  );
  userField.hidden = modeSelect.value !== 'team' || users.length === 0;
}

modeSelect.addEventListener('change', renderSessionForm);

// Switching reloads the page: the CRM, the views and their subscriptions start again for the new choice.
sessionForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const nextMode = modeSelect.value === 'team' && team.state === 'available' ? 'team' : 'browser';
  const nextUser = nextMode === 'team' ? userSelect.value : undefined;
  if (nextMode === mode && (nextMode === 'browser' || nextUser === teamUser?.id)) return;
  remember(nextMode, nextUser);
  location.reload();
});

function fail(error: unknown): void {
  console.error(error);
  showStatus('failed');
}

// ——— navigation: #pipeline, #customers[/<id>], #new-lead, #reports ———

/** The view a hash names; an empty hash is the pipeline; any other hash (the skip link's #main) names no view. */
function parseHash(hash: string): { view: View; customerId?: string } | undefined {
  const [name = '', id] = hash.replace(/^#/, '').split('/');
  const found = name === '' ? 'pipeline' : VIEWS.find((candidate) => candidate === name);
  if (!found) return undefined;
  return id ? { view: found, customerId: decodeURIComponent(id) } : { view: found };
}

/** The hash the page last routed to itself, so the `hashchange` that follows is not routed (and focused) again. */
let routedHash: string | undefined;

function route(moveFocus: boolean): void {
  // Another hash (the skip link's #main) is a jump within the page: the view stays, except at start.
  const target = parseHash(location.hash) ?? (moveFocus ? undefined : { view: 'pipeline' as const });
  if (!target) return;
  view = target.view;
  for (const section of document.querySelectorAll<HTMLElement>('section.view')) {
    section.hidden = section.dataset['view'] !== view;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-route]')) {
    if (link.dataset['route'] === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (view === 'customers') showCustomer(target.customerId);
  if (view === 'reports' && reportsStale) refreshReports();
  if (moveFocus) document.querySelector<HTMLElement>(`#view-${view} h1`)?.focus();
}

/** Goes to a view from the page's own code; the caller decides where focus goes. */
function navigate(hash: string): void {
  if (location.hash !== hash) {
    routedHash = hash;
    location.hash = hash;
  }
  route(false);
}

window.addEventListener('hashchange', () => {
  const own = location.hash === routedHash;
  routedHash = undefined;
  if (!own) route(true);
});

// ——— customers ———

function showCustomer(id: string | undefined): void {
  finder?.select(id ?? '');
  byId('customer-empty').hidden = id !== undefined;
  customerCard.hidden = id === undefined;
  if (id !== undefined && customerCard.customerId !== id) customerCard.customerId = id;
  renderCustomers();
}

function renderCustomers(): void {
  finder?.render(t(), locale);
}

// Each search reads the first page of matches again (a search overtaken by the next keystroke is dropped).
byId<HTMLInputElement>('customer-search').addEventListener('input', reloadCustomers);

// ——— the board ———

// What the policy refuses (a viewer moving a deal, a rep touching another's record) is said in the page's status too.
for (const element of [board, leadForm, leadConvert, customerCard]) {
  element.addEventListener('crm-error', (event) => {
    const code = (event.detail.error as { code?: unknown } | null)?.code;
    if (code === CrmErrorCode.permission) showStatus('notAllowed');
  });
}

// Opening a deal card shows its customer: the board says which deal; the page looks up whose it is.
board.addEventListener('crm-deal-select', (event) => {
  if (!crm) return;
  crm.deals
    .get(event.detail.dealId)
    .then((deal) => {
      location.hash = `#customers/${encodeURIComponent(deal.customerId)}`;
    })
    .catch(fail);
});

/** Shows the pipeline and puts keyboard focus on a deal's card, once the board has it. */
async function focusDeal(dealId: string): Promise<void> {
  navigate('#pipeline');
  for (let tries = 0; tries < 50; tries++) {
    await board.settled();
    if (board.shownColumns.some((column) => column.cards.some((card) => card.deal.id === dealId))) break;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await board.focusCard(dealId);
}

// ——— new lead → convert ———

leadSource.addEventListener('change', () => {
  leadForm.source = leadSource.value;
});

// The form stores the lead (crm.leads.capture) and reports its id; converting it is the sales desk's decision, in
// <crm-lead-convert>: it loads the lead, asks for what the deal's stage gates need, and shows (and lets the desk
// change) who will own the deal. The page only names the lead and suggests a title in the intranet's own style.
leadForm.addEventListener('crm-lead-captured', (event) => {
  if (!crm) return;
  crm.leads
    .get(event.detail.leadId)
    .then((lead) => {
      pendingLead = { id: lead.id, name: lead.name };
      converted = undefined;
      leadConvert.values = { title: t().dealTitleDefault(lead.company ?? lead.name) };
      leadConvert.pipelineId = PIPELINE_ID;
      leadConvert.leadId = lead.id;
      leadConvert.hidden = false;
      leaveLead.hidden = false;
      convertResult.textContent = '';
      convertPanel.hidden = false;
      renderConvertPanel();
    })
    .catch(fail);
});

function renderConvertPanel(): void {
  const strings = t();
  byId('convert-intro').textContent = pendingLead ? strings.convertIntro(pendingLead.name) : '';
  convertNext.hidden = converted === undefined;
}

// The element says what it did (where the deal is, whose it is); the page offers where to go next.
leadConvert.addEventListener('crm-lead-converted', (event) => {
  converted = { dealId: event.detail.dealId, customerId: event.detail.customerId };
  leaveLead.hidden = true;
  renderConvertPanel();
  byId('show-on-board').focus();
});

leaveLead.addEventListener('click', () => {
  pendingLead = undefined;
  leadConvert.hidden = true;
  leaveLead.hidden = true;
  convertResult.textContent = t().leftAsLead;
});

byId('show-on-board').addEventListener('click', () => {
  if (converted) focusDeal(converted.dealId).catch(fail);
});

byId('open-customer').addEventListener('click', () => {
  if (converted) location.hash = `#customers/${encodeURIComponent(converted.customerId)}`;
});

function hideConvertPanel(): void {
  pendingLead = undefined;
  converted = undefined;
  convertPanel.hidden = true;
}

// ——— reports ———

let reportsRun: Promise<void> | undefined;
let reportsAgain = false;

/** Recomputes the reports; calls while one run is going coalesce into one more run after it. */
function refreshReports(): void {
  if (!crm) return;
  reportsStale = false;
  if (reportsRun) {
    reportsAgain = true;
    return;
  }
  const current = crm;
  reportsRun = (async () => {
    do {
      reportsAgain = false;
      try {
        reports = await loadReports(current, PIPELINE_ID, Number(reportPeriod.value));
        reportsFailed = false;
      } catch (error) {
        console.error(error);
        reportsFailed = true;
      }
      renderReportsView();
    } while (reportsAgain);
  })().finally(() => {
    reportsRun = undefined;
  });
}

function renderReportsView(): void {
  const strings = t();
  reportStatus.textContent = reportsFailed ? strings.reportFailed : reports ? '' : strings.computing;
  reportsContainer.dataset['state'] = reportsFailed ? 'failed' : reports ? 'ready' : 'loading';
  if (reports) fill(reportsContainer, ...renderReports(reports, strings, new Formats(locale, CURRENCY)));
}

reportPeriod.addEventListener('change', refreshReports);

// ——— live updates and reset ———

let customersReload: Promise<void> | undefined;
let customersAgain = false;

function reloadCustomers(): void {
  if (!finder) return;
  if (customersReload) {
    customersAgain = true;
    return;
  }
  const current = finder;
  customersReload = (async () => {
    do {
      customersAgain = false;
      await current.reload();
      renderCustomers();
    } while (customersAgain);
  })()
    .catch(fail)
    .finally(() => {
      customersReload = undefined;
    });
}

// The elements follow the CRM's change feed by themselves — the team server's change stream in team mode; this
// tab's and, through IndexedDB's cross-tab feed, other tabs' changes in the browser. The page's own tables follow
// the same feed, through the same `crm.subscribe`.
function followChanges(current: Crm): void {
  current.subscribe((events) => {
    const collections = new Set(events.map((event) => event.collection));
    if ([...collections].some((name) => REPORT_COLLECTIONS.has(name))) {
      reportsStale = true;
      if (view === 'reports') refreshReports();
    }
    if (collections.has('customers')) reloadCustomers();
  });
}

reloadButton.addEventListener('click', () => location.reload());

/** The browser-only mode's database; another tab opening a newer version of it makes this one step aside. */
function openBrowserStorage(): DexieStorage {
  const opened = createDexieStorage({ name: DATABASE, collections: CRM_COLLECTIONS });
  opened.onVersionChange(() => {
    showStatus('upgraded');
    reloadButton.hidden = false;
  });
  return opened;
}

async function loadDemoData(): Promise<void> {
  await storage?.importSnapshot(demoSnapshot(new Date(), TIME_ZONE));
}

resetButton.addEventListener('click', () => {
  resetButton.disabled = true;
  showStatus('resetting');
  loadDemoData()
    .then(() => {
      hideConvertPanel();
      showStatus('resetDone');
    })
    .catch(fail)
    .finally(() => {
      resetButton.disabled = false;
    });
});

/** Seeds an empty database once, even when two tabs open at the same moment (the Web Locks API serialises them). */
async function seedIfEmpty(): Promise<void> {
  const seed = async () => {
    if (!storage || (await storage.count('deals')) > 0) return;
    showStatus('seeding');
    await loadDemoData();
  };
  if ('locks' in navigator) await navigator.locks.request(`${DATABASE}:seed`, seed);
  else await seed();
}

// ——— start ———

/** The team server's CRM, as this window's demo user: its settings (time zone, currency, rates) are the server's. */
async function connectTeam(user: DemoUser): Promise<Crm> {
  showStatus('connecting');
  return createRemoteCrm({ url: API_URL, getToken: () => user.token });
}

/** This browser's CRM over IndexedDB, seeded on the first visit. */
async function openBrowserCrm(): Promise<Crm> {
  storage = openBrowserStorage();
  showStatus('opening');
  await seedIfEmpty();
  return createCrm({
    storage,
    actor: ACTOR,
    timeZone: TIME_ZONE,
    currency: CURRENCY,
    exchangeRates: demoExchangeRates(localDate(new Date(), TIME_ZONE)),
    leads: { defaultRegion: DEFAULT_REGION },
  });
}

async function start(): Promise<void> {
  applyLocale();
  route(false);
  team = await findTeam();
  mode = startMode(team);
  // Who this window is signed in as in team mode (in the browser-only mode: whom the switcher offers first).
  teamUser = team.state === 'available' ? signedInUser(team.users) : undefined;
  modeSelect.value = mode;
  applyLocale();
  crm = mode === 'team' && teamUser ? await connectTeam(teamUser) : await openBrowserCrm();
  followChanges(crm);
  provider.crm = crm;
  board.pipelineId = PIPELINE_ID;
  finder = new CustomerFinder(
    crm,
    byId('customer-search'),
    byId('customer-list'),
    byId('customer-count'),
    byId('customer-more'),
  );
  const [user] = await Promise.all([crm.users.find(crm.actor.id), finder.reload()]);
  signedInName = user?.name ?? crm.actor.id;
  // Resetting replaces this browser's database; the team's data is the server's (delete its folder to start again).
  resetButton.hidden = mode === 'team';
  resetButton.disabled = false;
  statusKey = mode === 'team' ? 'readyTeam' : 'ready';
  applyLocale();
  route(false);
  // A mark for scripts and tests: the CRM is connected and seeded.
  document.documentElement.dataset['portal'] = 'ready';
}

start().catch((error: unknown) => {
  document.documentElement.dataset['portal'] = 'failed';
  fail(error);
});
