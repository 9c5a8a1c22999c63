// The Reports view: crmkit computes, the intranet renders. Every figure comes from `crm.reports.*` and is shown in
// the host's own tables with Intl formatting in the chosen language. Cells carry their raw number in `data-value`
// (and rows their step, source or user in data attributes) so scripts and tests can read them in any language.
import { currencyDigits, type Crm, type Forecast, type FunnelReport, type FunnelStepReport } from '@crmkit/core';
import type { LeadSourceReport, PerformanceReport, SalesTrendReport } from '@crmkit/core';
import { crmLabel, type CrmLabels } from '@crmkit/elements';
import { localDate } from './demo-settings.js';
import { h, type Child } from './dom.js';
import type { Locale, Strings } from './strings.js';

/**
 * The intranet's own labels of codes, handed to `<crm-provider .labels>` so the elements use them too: its web form
 * is a source crmkit would call "Website". Every other code takes crmkit's shared label table (`crmLabel`).
 */
export const HOST_LABELS: CrmLabels = {
  source: { web: { en: 'Web form', 'zh-CN': '网页表单' } },
};

// The demo's settings live apart from the tables, so the team server (in Node) reads them without the elements.
export { DEMO_RATES, demoExchangeRates, localDate } from './demo-settings.js';

/** Everything the Reports view shows, computed together so the tables agree with each other. */
export interface ReportBundle {
  readonly from: string;
  readonly to: string;
  readonly funnel: FunnelReport;
  readonly trend: SalesTrendReport;
  readonly sources: LeadSourceReport;
  readonly performance: PerformanceReport;
  readonly forecast: Forecast;
  readonly userNames: ReadonlyMap<string, string>;
}

/** A calendar date moved by whole days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A `YYYY-MM` month moved by whole months. */
function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1)).toISOString().slice(0, 7);
}

/** Runs every report over the last `days` days up to today in the CRM's time zone. */
export async function loadReports(crm: Crm, pipelineId: string, days: number, now = new Date()): Promise<ReportBundle> {
  const to = localDate(now, crm.timeZone);
  const from = addDays(to, -(days - 1));
  const range = { from, to };
  const thisMonth = to.slice(0, 7);
  const [funnel, trend, sources, performance, forecast, userNames] = await Promise.all([
    crm.reports.funnel({ pipelineId, ...range }),
    crm.reports.salesTrend({ ...range, granularity: days > 92 ? 'month' : 'week' }),
    crm.reports.leadSources(range),
    crm.reports.performance(range),
    crm.reports.forecast({ pipelineId, from: thisMonth, to: addMonths(thisMonth, 2) }),
    loadUserNames(crm),
  ]);
  return { from, to, funnel, trend, sources, performance, forecast, userNames };
}

async function loadUserNames(crm: Crm): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await crm.users.list({ limit: 500, ...(after ? { after } : {}) });
    for (const user of page.records) names.set(user.id, user.name);
    after = page.next;
  } while (after);
  return names;
}

/** Formatting in the page's language, with Intl only. */
export class Formats {
  private readonly integer: Intl.NumberFormat;
  private readonly percent: Intl.NumberFormat;
  private readonly change: Intl.NumberFormat;
  private readonly money: Intl.NumberFormat;
  private readonly decimal: Intl.NumberFormat;

  constructor(
    readonly locale: Locale,
    readonly currency: string,
  ) {
    this.integer = new Intl.NumberFormat(locale);
    this.percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    this.change = new Intl.NumberFormat(locale, {
      style: 'percent',
      maximumFractionDigits: 0,
      signDisplay: 'exceptZero',
    });
    this.money = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 });
    this.decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  }

  count(value: number): string {
    return this.integer.format(value);
  }
  rate(value: number | null | undefined): string {
    return value === null || value === undefined ? '—' : this.percent.format(value);
  }
  ratio(value: number | null | undefined): string {
    return value === null || value === undefined ? '—' : this.change.format(value);
  }
  days(value: number | null | undefined): string {
    return value === null || value === undefined ? '—' : this.decimal.format(value);
  }
  /** Minor units of the report currency. */
  minor(value: number | null | undefined): string {
    return value === null || value === undefined ? '—' : this.money.format(value / 10 ** currencyDigits(this.currency));
  }
  month(key: string): string {
    const [y, m] = key.split('-').map(Number) as [number, number];
    return new Intl.DateTimeFormat(this.locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(
      Date.UTC(y, m - 1, 1),
    );
  }
  day(key: string): string {
    const [y, m, d] = key.split('-').map(Number) as [number, number, number];
    return new Intl.DateTimeFormat(this.locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
      Date.UTC(y, m - 1, d),
    );
  }
}

/** A table cell: its text, and the raw number behind it. */
interface Cell {
  readonly text: string;
  readonly value?: number | null;
}

interface Column<R> {
  readonly key: string;
  readonly label: string;
  readonly cell: (row: R) => Cell;
}

/** A captioned table; the first column is the row header, the others numbers. */
function table<R>(options: {
  id: string;
  caption: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowData: (row: R) => Record<string, string>;
  /** A totals row (its `value` may be `undefined`: the row renderer decides what a total shows). */
  foot?: { readonly value: R };
}): HTMLElement {
  const { columns } = options;
  const row = (data: R) =>
    h(
      'tr',
      { dataset: options.rowData(data) },
      ...columns.map((column, index) => {
        const cell = column.cell(data);
        const props = {
          'data-metric': column.key,
          'data-value': cell.value === null || cell.value === undefined ? undefined : String(cell.value),
        };
        return index === 0 ? h('th', { scope: 'row', ...props }, cell.text) : h('td', props, cell.text);
      }),
    );
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { id: options.id },
      h('caption', {}, options.caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...columns.map((column, index) =>
            h('th', { scope: 'col', class: index === 0 ? undefined : 'number' }, column.label),
          ),
        ),
      ),
      h('tbody', {}, ...options.rows.map((data) => row(data))),
      options.foot ? h('tfoot', {}, row(options.foot.value)) : null,
    ),
  );
}

const text = (value: string): Cell => ({ text: value });
const num = (value: number, shown: string): Cell => ({ text: shown, value });

/** The whole Reports view for one bundle of reports. */
export function renderReports(bundle: ReportBundle, t: Strings, f: Formats): Child[] {
  return [
    reportSection('funnel', t.funnelTitle, ...funnelSection(bundle.funnel, t, f)),
    reportSection('trend', t.trendTitle, trendTable(bundle.trend, t, f)),
    reportSection('sources', t.sourcesTitle, sourcesTable(bundle.sources, t, f)),
    reportSection('performance', t.performanceTitle, performanceTable(bundle, t, f)),
    reportSection('forecast', t.forecastTitle, forecastTable(bundle.forecast, t, f)),
  ];
}

function reportSection(id: string, title: string, ...content: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'report panel', 'data-report': id, 'aria-labelledby': `report-${id}` },
    h('h2', { id: `report-${id}` }, title),
    ...content,
  );
}

function stepName(step: FunnelStepReport, locale: Locale): string {
  return step.name[locale] ?? step.name.en ?? step.id;
}

function funnelSection(report: FunnelReport, t: Strings, f: Formats): Child[] {
  const leads = report.cohort.leads;
  const rate = (value: number | null): Cell => ({ text: f.rate(value), value });
  const figures: [string, string, Cell][] = [
    ['lead-to-won', t.leadToWon, rate(report.conversion.cohortFromLeads)],
    ['win-rate', t.winRate, rate(report.winRate.period.rate)],
    ['won', t.wonInPeriod, num(report.velocity.wonDeals, f.count(report.velocity.wonDeals))],
    ['leads-converted', t.leadsConverted, num(leads?.converted ?? 0, f.count(leads?.converted ?? 0))],
    ['rotting', t.rotting, num(report.rotting.count, f.count(report.rotting.count))],
  ];
  const bottleneck = report.bottleneck;
  const columns: Column<FunnelStepReport>[] = [
    { key: 'step', label: t.step, cell: (step) => text(stepName(step, f.locale)) },
    { key: 'reached', label: t.reached, cell: (step) => num(step.cohort.reached, f.count(step.cohort.reached)) },
    { key: 'current', label: t.inStep, cell: (step) => num(step.cohort.current, f.count(step.cohort.current)) },
    {
      key: 'conversion',
      label: t.conversionToNext,
      cell: (step) =>
        step.kind === 'lost'
          ? text(t.lostOff)
          : { text: f.rate(step.cohort.conversionToNext), value: step.cohort.conversionToNext },
    },
    {
      key: 'amount',
      label: t.valueReached,
      cell: (step) => {
        // Leads carry no amount: only deal steps have a value.
        const value = step.kind === 'lead' ? null : (step.cohort.reachedAmount.total?.amountMinor ?? null);
        return { text: f.minor(value), value };
      },
    },
  ];
  return [
    h(
      'dl',
      { class: 'figures' },
      ...figures.map(([key, label, cell]) =>
        h(
          'div',
          { 'data-figure': key },
          h('dt', {}, label),
          h(
            'dd',
            { 'data-value': cell.value === null || cell.value === undefined ? undefined : String(cell.value) },
            cell.text,
          ),
        ),
      ),
    ),
    table({
      id: 'funnel-table',
      caption: t.funnelCaption,
      columns,
      rows: [...report.steps, ...report.lostStages],
      rowData: (step) => ({ step: step.id, kind: step.kind }),
    }),
    h(
      'p',
      { class: bottleneck ? 'bottleneck' : 'bottleneck none', 'data-bottleneck': bottleneck?.stepId ?? '' },
      h('strong', {}, `${t.bottleneck}: `),
      bottleneck ? (bottleneck.reason[f.locale] ?? bottleneck.reason.en) : t.noBottleneck,
    ),
  ];
}

function trendTable(report: SalesTrendReport, t: Strings, f: Formats): HTMLElement {
  type Row = SalesTrendReport['periods'][number] | undefined;
  const monthly = report.granularity === 'month';
  return table<Row>({
    id: 'trend-table',
    caption: t.trendCaption,
    columns: [
      {
        key: 'period',
        label: monthly ? t.month : t.weekOf,
        cell: (row) => text(row ? (monthly ? f.month(row.key) : f.day(row.key)) : t.total),
      },
      {
        key: 'won-amount',
        label: t.wonAmount,
        cell: (row) => {
          const value = row ? row.wonAmountMinor : report.totals.wonAmountMinor;
          return num(value, f.minor(value));
        },
      },
      {
        key: 'deals-won',
        label: t.dealsWon,
        cell: (row) => {
          const value = row ? row.dealsWon : report.totals.dealsWon;
          return num(value, f.count(value));
        },
      },
      {
        key: 'leads-created',
        label: t.leadsCreated,
        cell: (row) => {
          const value = row ? row.leadsCreated : report.totals.leadsCreated;
          return num(value, f.count(value));
        },
      },
      {
        key: 'change',
        label: t.change,
        cell: (row) =>
          row ? { text: f.ratio(row.change.wonAmountMinor.ratio), value: row.change.wonAmountMinor.ratio } : text(''),
      },
    ],
    rows: report.periods,
    rowData: (row) => ({ period: row ? row.key : 'total' }),
    foot: { value: undefined },
  });
}

/** A source as people read it, in crmkit's current message language: the same label the elements show. */
export function sourceLabel(source: string | null, t: Strings): string {
  if (source === null) return t.noSource;
  return crmLabel('source', source, HOST_LABELS);
}

function sourcesTable(report: LeadSourceReport, t: Strings, f: Formats): HTMLElement {
  type Row = LeadSourceReport['sources'][number];
  return table<Row>({
    id: 'sources-table',
    caption: t.sourcesCaption,
    columns: [
      { key: 'source', label: t.source, cell: (row) => text(sourceLabel(row.source, t)) },
      { key: 'leads', label: t.leads, cell: (row) => num(row.leads, f.count(row.leads)) },
      { key: 'qualified', label: t.qualified, cell: (row) => num(row.qualified, f.count(row.qualified)) },
      { key: 'converted', label: t.convertedCol, cell: (row) => num(row.converted, f.count(row.converted)) },
      { key: 'deals-won', label: t.dealsWon, cell: (row) => num(row.dealsWon, f.count(row.dealsWon)) },
      { key: 'won-amount', label: t.wonAmount, cell: (row) => num(row.wonAmountMinor, f.minor(row.wonAmountMinor)) },
      { key: 'cost', label: t.cost, cell: (row) => num(row.costMinor, f.minor(row.costMinor)) },
      {
        key: 'cost-per-lead',
        label: t.costPerLead,
        cell: (row) => ({ text: f.minor(row.costPerLeadMinor), value: row.costPerLeadMinor }),
      },
      { key: 'roi', label: t.roi, cell: (row) => ({ text: f.ratio(row.roi), value: row.roi }) },
    ],
    rows: report.sources,
    rowData: (row) => ({ source: row.source ?? '' }),
  });
}

function performanceTable(bundle: ReportBundle, t: Strings, f: Formats): HTMLElement {
  type Row = PerformanceReport['rows'][number];
  return table<Row>({
    id: 'performance-table',
    caption: t.performanceCaption,
    columns: [
      { key: 'user', label: t.salesperson, cell: (row) => text(bundle.userNames.get(row.userId) ?? row.userId) },
      { key: 'won', label: t.won, cell: (row) => num(row.wonCount, f.count(row.wonCount)) },
      { key: 'lost', label: t.lost, cell: (row) => num(row.lostCount, f.count(row.lostCount)) },
      { key: 'win-rate', label: t.winRate, cell: (row) => ({ text: f.rate(row.winRate), value: row.winRate }) },
      { key: 'won-amount', label: t.wonAmount, cell: (row) => num(row.wonAmountMinor, f.minor(row.wonAmountMinor)) },
      {
        key: 'average-deal',
        label: t.averageDeal,
        cell: (row) => ({ text: f.minor(row.averageDealSizeMinor), value: row.averageDealSizeMinor }),
      },
      {
        key: 'cycle',
        label: t.cycle,
        cell: (row) => ({ text: f.days(row.averageCycleDays), value: row.averageCycleDays }),
      },
      {
        key: 'activities',
        label: t.activities,
        cell: (row) => num(row.activitiesLogged, f.count(row.activitiesLogged)),
      },
      {
        key: 'quota',
        label: t.quota,
        cell: (row) => ({ text: f.rate(row.quotaAttainment), value: row.quotaAttainment }),
      },
    ],
    rows: bundle.performance.rows,
    rowData: (row) => ({ user: row.userId }),
  });
}

function forecastTable(report: Forecast, t: Strings, f: Formats): HTMLElement {
  type Row = { key: string; label: string; openDeals: number; pipeline: number; weighted: number };
  const rows: Row[] = [
    ...report.months.map((month) => ({ ...month, key: month.month, label: f.month(month.month) })),
    { ...report.unscheduled, key: 'unscheduled', label: t.unscheduled },
  ];
  return table<Row>({
    id: 'forecast-table',
    caption: t.forecastCaption,
    columns: [
      { key: 'month', label: t.month, cell: (row) => text(row.label) },
      { key: 'open-deals', label: t.dealsOpen, cell: (row) => num(row.openDeals, f.count(row.openDeals)) },
      { key: 'pipeline', label: t.pipelineValue, cell: (row) => num(row.pipeline, f.minor(row.pipeline)) },
      { key: 'weighted', label: t.weighted, cell: (row) => num(row.weighted, f.minor(row.weighted)) },
    ],
    rows,
    rowData: (row) => ({ month: row.key }),
  });
}
