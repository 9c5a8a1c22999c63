// The demo portal on IndexedDB: on first visit it loads the deterministic demo data (a year of history), then lists
// the largest open deals through the CRM services, with amounts rendered by <crm-money>.
import '@crmkit/elements/crm-money';
import { CRM_COLLECTIONS, createCrm, type Crm, type Deal } from '@crmkit/core';
import { DEMO_PIPELINE_ID, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { createDexieStorage } from '@crmkit/storage-dexie';

const STRINGS = {
  en: {
    title: 'crmkit demo portal',
    language: 'Language',
    caption: 'The largest open deals, stored in this browser’s IndexedDB',
    deal: 'Deal',
    customer: 'Customer',
    stage: 'Stage',
    owner: 'Owner',
    amount: 'Amount',
    reset: 'Reset demo data',
    loaded: (shown: number, open: number) => `Showing ${shown} of ${open} open deals.`,
    failed: 'Could not open the browser database.',
  },
  'zh-CN': {
    title: 'crmkit 演示门户',
    language: '语言',
    caption: '金额最大的进行中商机，保存在本浏览器的 IndexedDB 中',
    deal: '商机',
    customer: '客户',
    stage: '阶段',
    owner: '负责人',
    amount: '金额',
    reset: '重置演示数据',
    loaded: (shown: number, open: number) => `显示 ${open} 个进行中商机中的 ${shown} 个。`,
    failed: '无法打开浏览器数据库。',
  },
} as const;
type Locale = keyof typeof STRINGS;

const storage = createDexieStorage({ name: 'crmkit-demo', collections: CRM_COLLECTIONS });
const crmReady: Promise<Crm> = createCrm({
  storage,
  actor: { id: 'usr-0001', role: 'admin' },
  timeZone: 'Asia/Shanghai',
});
const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;
let locale: Locale = navigator.language.startsWith('zh') ? 'zh-CN' : 'en';

/** Replaces everything stored with a fresh copy of the demo data, keeping its history and timestamps. */
async function loadDemoData(): Promise<void> {
  await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1 })));
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function render(): Promise<void> {
  const crm = await crmReady;
  const strings = STRINGS[locale];
  document.documentElement.lang = locale;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const text = strings[el.dataset['i18n'] as keyof typeof strings];
    if (typeof text === 'string') el.textContent = text;
  }
  const open = { field: 'status', op: 'eq', value: 'open' } as const;
  const [{ records: deals }, openCount, pipeline] = await Promise.all([
    crm.deals.list({ where: open, orderBy: [{ field: 'amount.amountMinor', direction: 'desc' }], limit: 25 }),
    crm.deals.count(open),
    crm.pipelines.get(DEMO_PIPELINE_ID),
  ]);
  const byId = async <T extends { id: string }>(list: (ids: string[]) => Promise<{ records: T[] }>, ids: string[]) =>
    new Map((await list([...new Set(ids)])).records.map((record) => [record.id, record]));
  const [customers, owners] = await Promise.all([
    byId(
      (ids) => crm.customers.list({ where: { field: 'id', op: 'in', values: ids } }),
      deals.map((d) => d.customerId),
    ),
    byId(
      (ids) => crm.users.list({ where: { field: 'id', op: 'in', values: ids } }),
      deals.flatMap((d) => d.ownerId ?? []),
    ),
  ]);
  const stages = new Map(pipeline.stages.map((stage) => [stage.id, stage.name[locale]]));

  $<HTMLTableSectionElement>('#deals tbody').replaceChildren(
    ...deals.map((deal: Deal) => {
      const row = document.createElement('tr');
      const amount = cell('', 'amount');
      const money = document.createElement('crm-money');
      money.amountMinor = deal.amount.amountMinor;
      money.currency = deal.amount.currency;
      amount.append(money);
      row.append(
        cell(deal.title),
        cell(customers.get(deal.customerId)?.name ?? '—'),
        cell(stages.get(deal.stageId) ?? deal.stageId),
        cell((deal.ownerId && owners.get(deal.ownerId)?.name) || '—'),
        amount,
      );
      return row;
    }),
  );
  $<HTMLTableElement>('#deals').hidden = false;
  $('#status').textContent = strings.loaded(deals.length, openCount);
}

function fail(error: unknown): void {
  console.error(error);
  $('#status').textContent = STRINGS[locale].failed;
}

$<HTMLSelectElement>('#locale').value = locale;
$<HTMLSelectElement>('#locale').addEventListener('change', (event) => {
  locale = (event.target as HTMLSelectElement).value as Locale;
  render().catch(fail);
});
$('#reset').addEventListener('click', () => {
  loadDemoData().then(render).catch(fail);
});

(async () => {
  if ((await storage.count('deals')) === 0) await loadDemoData();
  await render();
})().catch(fail);
