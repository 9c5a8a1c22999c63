// A minimal page on IndexedDB: seeds a few deals on first visit, then lists them with <crm-money>.
import '@crmkit/elements/crm-money';
import { createDexieStorage } from '@crmkit/storage-dexie';
import { demoDeals, type DemoDeal } from './demo-data.js';

const STRINGS = {
  en: {
    title: 'crmkit demo portal',
    language: 'Language',
    caption: 'Open deals, stored in this browser’s IndexedDB',
    deal: 'Deal',
    customer: 'Customer',
    stage: 'Stage',
    amount: 'Amount',
    reset: 'Reset demo data',
    loaded: (n: number) => `${n} deals loaded from IndexedDB.`,
    failed: 'Could not open the browser database.',
  },
  'zh-CN': {
    title: 'crmkit 演示门户',
    language: '语言',
    caption: '进行中的商机，保存在本浏览器的 IndexedDB 中',
    deal: '商机',
    customer: '客户',
    stage: '阶段',
    amount: '金额',
    reset: '重置演示数据',
    loaded: (n: number) => `已从 IndexedDB 载入 ${n} 个商机。`,
    failed: '无法打开浏览器数据库。',
  },
} as const;
type Locale = keyof typeof STRINGS;

const storage = createDexieStorage({ name: 'crmkit-demo', collections: ['deals'] });
const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;
let locale: Locale = navigator.language.startsWith('zh') ? 'zh-CN' : 'en';

async function seedIfEmpty(): Promise<void> {
  if ((await storage.count('deals')) > 0) return;
  await storage.transaction(async (tx) => {
    for (const deal of demoDeals) await tx.put('deals', deal, { expectedVersion: 0 });
  });
}

async function render(): Promise<void> {
  const strings = STRINGS[locale];
  document.documentElement.lang = locale;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const text = strings[el.dataset['i18n'] as keyof typeof strings];
    if (typeof text === 'string') el.textContent = text;
  }
  const { records: deals } = await storage.query<DemoDeal>('deals');
  const body = $<HTMLTableSectionElement>('#deals tbody');
  body.replaceChildren(
    ...deals.map((deal) => {
      const row = document.createElement('tr');
      const cells = [deal.title[locale], deal.customer[locale], deal.stage[locale]].map((value) => {
        const cell = document.createElement('td');
        cell.textContent = value;
        return cell;
      });
      const amount = document.createElement('td');
      amount.className = 'amount';
      const money = document.createElement('crm-money');
      money.amountMinor = deal.amount.amountMinor;
      money.currency = deal.amount.currency;
      amount.append(money);
      row.append(...cells, amount);
      return row;
    }),
  );
  $<HTMLTableElement>('#deals').hidden = false;
  $('#status').textContent = strings.loaded(deals.length);
}

$<HTMLSelectElement>('#locale').value = locale;
$<HTMLSelectElement>('#locale').addEventListener('change', (event) => {
  locale = (event.target as HTMLSelectElement).value as Locale;
  void render();
});
$('#reset').addEventListener('click', async () => {
  await storage.transaction(async (tx) => {
    for (const deal of (await tx.query('deals')).records) await tx.delete('deals', deal.id);
  });
  await seedIfEmpty();
  await render();
});

seedIfEmpty()
  .then(render)
  .catch((error: unknown) => {
    console.error(error);
    $('#status').textContent = STRINGS[locale].failed;
  });
