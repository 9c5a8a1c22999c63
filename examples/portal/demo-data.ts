// The demo's data: crmkit's deterministic generator (seed 1) run up to today, plus what a sales desk would have
// entered itself for the reports — marketing spend per lead source (for ROI) and monthly quotas per salesperson.
// Everything goes into storage in one `importSnapshot`: all of it or none, replacing what was there.
import type { StorageSnapshot, StoredRecord } from '@crmkit/core';
import { generateDemoData, toStorageSnapshot, type DemoData } from '@crmkit/core/testing';
import { DEMO_RATES, addDays, localDate } from './reports.js';

/** What each channel cost over a year, in yuan. In a real desk these come from `crm.reports.addCost`. */
const YEARLY_SPEND: Readonly<Record<string, number>> = {
  website: 90_000,
  referral: 30_000,
  trade_show: 240_000,
  wechat: 120_000,
  cold_call: 60_000,
  ads: 180_000,
};

/** A year of demo history ending now, as a snapshot for `storage.importSnapshot`. */
export function demoSnapshot(now: Date, timeZone: string): StorageSnapshot {
  const data = generateDemoData({ seed: 1, now });
  const snapshot = toStorageSnapshot(data);
  const stamp = now.toISOString();
  const record = (id: string, fields: Record<string, unknown>): StoredRecord =>
    ({ ...fields, id, version: 1, createdAt: stamp, updatedAt: stamp }) as StoredRecord;

  const today = localDate(now, timeZone);
  const yearAgo = addDays(today, -364);
  const costEntries = Object.entries(YEARLY_SPEND).map(([source, yuan]) =>
    record(`cost-${source}`, {
      source,
      from: yearAgo,
      to: today,
      amount: { amountMinor: yuan * 100, currency: 'CNY' },
    }),
  );
  const quotas = monthlyQuotas(data, today).map((quota) =>
    record(`${quota.userId}|${quota.month}`, { ...quota, amount: { amountMinor: quota.amountMinor, currency: 'CNY' } }),
  );

  const byId = (a: StoredRecord, b: StoredRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    ...snapshot,
    collections: { ...snapshot.collections, costEntries: costEntries.sort(byId), quotas: quotas.sort(byId) },
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
