// The demo portal on IndexedDB: on first visit it loads the deterministic demo data (a year of history), then shows
// the demo pipeline in <crm-pipeline-board>. Open it in two tabs: a move in one shows up in the other.
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import { CRM_COLLECTIONS, createCrm, type Crm } from '@crmkit/core';
import { DEMO_PIPELINE_ID, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { createDexieStorage } from '@crmkit/storage-dexie';
import type { CrmPipelineBoard, CrmProvider } from '@crmkit/elements';

const STRINGS = {
  en: {
    title: 'crmkit demo portal',
    language: 'Language',
    pipeline: 'Sales pipeline',
    reset: 'Reset demo data',
    loading: 'Opening the browser database…',
    ready: 'Stored in this browser’s IndexedDB. Drag a card, or use its “Move to…” button.',
    failed: 'Could not open the browser database.',
  },
  'zh-CN': {
    title: 'crmkit 演示门户',
    language: '语言',
    pipeline: '销售管道',
    reset: '重置演示数据',
    loading: '正在打开浏览器数据库…',
    ready: '数据保存在本浏览器的 IndexedDB 中。拖动卡片，或使用卡片上的“移动到…”按钮。',
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

/** Replaces everything stored with a fresh copy of the demo data: a year of history up to now. */
async function loadDemoData(): Promise<void> {
  await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1, now: new Date() })));
}

function applyLocale(): void {
  const strings = STRINGS[locale];
  document.documentElement.lang = locale;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const text = strings[el.dataset['i18n'] as keyof typeof strings];
    if (typeof text === 'string') el.textContent = text;
  }
  $<CrmProvider>('#crm').locale = locale;
}

function fail(error: unknown): void {
  console.error(error);
  $('#status').textContent = STRINGS[locale].failed;
}

$<HTMLSelectElement>('#locale').value = locale;
$<HTMLSelectElement>('#locale').addEventListener('change', (event) => {
  locale = (event.target as HTMLSelectElement).value as Locale;
  applyLocale();
  $('#status').textContent = STRINGS[locale].ready;
});
$('#reset').addEventListener('click', () => {
  loadDemoData().catch(fail);
});

(async () => {
  applyLocale();
  $('#status').textContent = STRINGS[locale].loading;
  if ((await storage.count('deals')) === 0) await loadDemoData();
  $<CrmProvider>('#crm').crm = await crmReady;
  $<CrmPipelineBoard>('#board').pipelineId = DEMO_PIPELINE_ID;
  $('#status').textContent = STRINGS[locale].ready;
})().catch(fail);
