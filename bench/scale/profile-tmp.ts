import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createMemoryStorage, periodOfDays, type MemoryData, type StoredRecord } from '@crmkit/core';
import { NOW, PIPELINE_ID, TIME_ZONE, generateScaleData } from './data.js';
import { openCrm } from './operations.js';

const customers = Number(process.argv[2] ?? 100000);
const which = process.argv[3] ?? 'performance';
const data = generateScaleData({ customers, activitiesPerCustomer: 20, log: () => undefined });
const maps: MemoryData = new Map();
for (const [name, records] of Object.entries(data.collections)) {
  const rows = new Map<string, StoredRecord>();
  for (const record of records) rows.set(record.id, record);
  maps.set(name, rows);
}
const storage = createMemoryStorage({ data: maps, now: () => NOW });
for (const name of Object.keys(data.collections)) await storage.count(name);
const crm = await openCrm(storage, data);
const PERIOD = periodOfDays('2026-01-01', '2026-06-30', TIME_ZONE);
const run = () =>
  which === 'funnel'
    ? crm.reports.funnel({ pipelineId: PIPELINE_ID, period: PERIOD })
    : which === 'segment'
      ? crm.segments.memberIds('seg-scale-bench')
      : crm.reports.performance({ period: PERIOD });
await run();
await run();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const t = performance.now();
for (let i = 0; i < 5; i++) await run();
console.log(which, ((performance.now() - t) / 5).toFixed(1), 'ms per call');
const { profile } = await session.post('Profiler.stop');
writeFileSync(`/tmp/prof/${which}.cpuprofile`, JSON.stringify(profile));
process.exit(0);
