// The CRM behind the page: IndexedDB through Dexie, loaded with the deterministic demo data on the first visit.
import { CRM_COLLECTIONS, createCrm, type Crm } from '@crmkit/core';
import { generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { createDexieStorage } from '@crmkit/storage-dexie';

const storage = createDexieStorage({ name: 'crmkit-vue-example', collections: CRM_COLLECTIONS });

/** Replaces everything stored with a fresh copy of the demo data: a year of history up to now. */
export async function loadDemoData(): Promise<void> {
  await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1, now: new Date() })));
}

/** Opened once per page, outside any component: the database is seeded once, however often the app mounts. */
export const crmReady: Promise<Crm> = (async () => {
  if ((await storage.count('deals')) === 0) await loadDemoData();
  return createCrm({ storage, actor: { id: 'usr-0001', role: 'admin' }, timeZone: 'Asia/Shanghai' });
})();
