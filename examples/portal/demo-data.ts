// The demo's data: crmkit's deterministic generator (seed 1) run up to today in the desk's time zone — a year of
// history with marketing spend per lead source (for ROI) — plus monthly quotas per salesperson, which a sales desk
// sets itself, and a read-only colleague from finance (a viewer). Everything goes into storage in one
// `importSnapshot`: all of it or none, replacing what was there. The browser-only mode loads it into IndexedDB; the
// team server `npm start` runs loads it into its PostgreSQL (PGlite) database on its first start.
import type { StorageSnapshot, StoredRecord } from '@crmkit/core';
import { generateDemoData, toStorageSnapshot, type DemoData } from '@crmkit/core/testing';
import { DEMO_RATES, localDate } from './demo-settings.js';

/** The demo's viewer: finance, who reads the pipeline and the reports and changes nothing. */
export const DEMO_VIEWER = { id: 'usr-viewer', name: 'Grace Liu' } as const;

/**
 * The demo users the team mode's sign-in switcher offers, by their ids in the generated data (seed 1): the
 * administrator, the manager of the North America team and two of its reps, and the viewer.
 */
export const DEMO_SIGN_INS: readonly string[] = ['usr-0001', 'usr-0003', 'usr-0005', 'usr-0007', DEMO_VIEWER.id];

/**
 * A year of demo history ending now, as a snapshot for `storage.importSnapshot`. The generated cost entries (in a
 * real desk, `crm.reports.addCost`) are booked per month of `timeZone`, where the desk's users work.
 */
export function demoSnapshot(now: Date, timeZone: string): StorageSnapshot {
  const data = generateDemoData({ seed: 1, now, timeZone });
  const snapshot = toStorageSnapshot(data);
  const stamp = now.toISOString();
  const record = (id: string, fields: Record<string, unknown>): StoredRecord =>
    ({ ...fields, id, version: 1, createdAt: stamp, updatedAt: stamp }) as StoredRecord;

  const today = localDate(now, timeZone);
  const quotas = monthlyQuotas(data, today).map((quota) =>
    record(`${quota.userId}|${quota.month}`, { ...quota, amount: { amountMinor: quota.amountMinor, currency: 'CNY' } }),
  );

  const viewer = record(DEMO_VIEWER.id, {
    name: DEMO_VIEWER.name,
    email: 'grace.liu@crmkit-demo.example',
    role: 'viewer',
    active: true,
    locale: 'en-US',
  });

  const byId = (a: StoredRecord, b: StoredRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    ...snapshot,
    collections: {
      ...snapshot.collections,
      users: [...(snapshot.collections['users'] ?? []), viewer].sort(byId),
      quotas: quotas.sort(byId),
    },
  };
}

/**
 * A quota for every salesperson and each of the last twelve months: their average monthly won amount over the year,
 * times 0.9–1.3 (some targets are easier than others), rounded to ¥10,000, at least ¥50,000.
 */
function monthlyQuotas(data: DemoData, today: string): { userId: string; month: string; amountMinor: number }[] {
  const wonMinor = new Map<string, number>();
  for (const deal of data.deals) {
    if (deal.status !== 'won' || !deal.ownerId) continue;
    const rate = deal.amount.currency === 'CNY' ? 1 : (DEMO_RATES as Record<string, number>)[deal.amount.currency];
    if (rate === undefined) continue;
    wonMinor.set(deal.ownerId, (wonMinor.get(deal.ownerId) ?? 0) + deal.amount.amountMinor * rate);
  }
  const months: string[] = [];
  const [year, month] = today.split('-').map(Number) as [number, number];
  for (let back = 11; back >= 0; back--) {
    months.push(new Date(Date.UTC(year, month - 1 - back, 1)).toISOString().slice(0, 7));
  }
  const quotas: { userId: string; month: string; amountMinor: number }[] = [];
  for (const [index, user] of data.users.entries()) {
    if (user.role !== 'rep' && user.role !== 'manager') continue;
    const monthly = ((wonMinor.get(user.id) ?? 0) / 12) * (0.9 + ((index * 3) % 5) * 0.1);
    const amountMinor = Math.max(5, Math.round(monthly / 1_000_000)) * 1_000_000;
    for (const key of months) quotas.push({ userId: user.id, month: key, amountMinor });
  }
  return quotas;
}
