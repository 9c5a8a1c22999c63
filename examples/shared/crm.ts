// The CRM behind an example page: IndexedDB through Dexie, loaded with the deterministic demo data on the first visit.
import { CRM_COLLECTIONS, createCrm, type Crm } from '@crmkit/core';
import { generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { createDexieStorage } from '@crmkit/storage-dexie';

/**
 * Opens the demo CRM on the database `name`, seeding it on the first visit. Call it once per page, outside any
 * component: a React effect runs twice under `<StrictMode>` in development, and the database must not be seeded
 * twice.
 */
export function openDemoCrm(name: string): { crmReady: Promise<Crm>; loadDemoData: () => Promise<void> } {
  const storage = createDexieStorage({ name, collections: CRM_COLLECTIONS });
  /** Replaces everything stored with a fresh copy of the demo data: a year of history up to now. */
  const loadDemoData = async (): Promise<void> => {
    await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1, now: new Date() })));
  };
  const crmReady = (async () => {
    if ((await storage.count('deals')) === 0) await loadDemoData();
    // Rates into the CRM's currency (CNY), dated: totals across currencies convert with them.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    return createCrm({
      storage,
      actor: { id: 'usr-0001', role: 'admin' },
      timeZone: 'Asia/Shanghai',
      exchangeRates: { asOf: today, rates: { USD: 7.1 } },
    });
  })();
  return { crmReady, loadDemoData };
}
