import pg from 'pg';
import { createCrm } from '@crmkit/core';
import { generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { createPostgresStorage } from '@crmkit/storage-postgres';
const pool = new pg.Pool({ host: '127.0.0.1', port: 54319, user: 'postgres', database: 'postgres' });
await pool.query('DROP SCHEMA IF EXISTS trace CASCADE');
let log: string[] | undefined;
const orig = pg.Client.prototype.query as any;
(pg.Client.prototype as any).query = function (this: any, q: any, params: any, cb: any) { const t = typeof q === 'string' ? q : q?.text; if (log && t) log.push(t.replace(/\s+/g, ' ').slice(0, 150)); return orig.call(this, q, params, cb); };
const data = generateDemoData({ scale: 2, users: 12, teams: 2 });
const storage = await createPostgresStorage({ pool, tenant: 't', schema: 'trace' });
const admin = data.users.find((u) => u.role === 'admin')!;
const seed = await createCrm({ storage, actor: { id: 'seed', role: 'admin' } });
await seed.backup.restore(toStorageSnapshot(data));
await seed.dispose();
const deal = data.deals.find((d) => d.expectedCloseDate && (d.amount?.amountMinor ?? 0) > 0 && d.status === 'open')!;
const crm = await createCrm({ storage, actor: { id: admin.id, role: 'admin' } });
const stages = ['opportunity', 'proposal'];
for (let i = 0; i < 3; i++) {
  const current = await crm.deals.get(deal.id);
  const to = stages.find((s) => s !== current!.stageId)!;
  await crm.settled?.();
  log = [];
  await crm.deals.moveToStage(deal.id, to, { expectedVersion: current!.version });
  await crm.settled?.();
  console.log(`--- move ${i}: ${log.length} statements`); if (i === 2) console.log(log.join('\n'));
  log = undefined;
}
for (let i = 0; i < 3; i++) {
  log = [];
  await crm.leads.capture({ name: `Lead ${i}`, email: `lead${i}@example.com` }, { source: 'web' });
  await crm.settled?.();
  console.log(`--- capture ${i}: ${log.length} statements`); if (i === 2) console.log(log.join('\n'));
  log = undefined;
}
log = [];
await crm.deals.list({ limit: 25 });
console.log(`--- list: ${log.length}`, log.join('\n'));
log = undefined;
await crm.dispose(); await storage.close(); await pool.end();
