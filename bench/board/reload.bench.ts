// What the board reads after a move: the changed deal only (`loadBoard` with the changes since its previous data)
// against reading the whole pipeline again (the reference, in the same run), over the memory adapter in Node.
//   node --conditions=@crmkit/source --import tsx bench/board/reload.bench.ts [--scale 100] [--rounds 15]
import { createCrm, createMemoryStorage, type ChangeEvent } from '@crmkit/core';
import { DEMO_NOW, DEMO_PIPELINE_ID, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { loadBoard } from '../../packages/elements/src/pipeline-board/load.js';
import { median, option } from '../harness/shared.js';

const scale = Number(option('scale', '100'));
const rounds = Number(option('rounds', '15'));
const storage = createMemoryStorage();
await storage.importSnapshot(
  toStorageSnapshot(generateDemoData({ seed: 1, scale, activities: 0, tasks: 0, leads: 0 })),
);
const crm = await createCrm({ storage, actor: { id: 'usr-0001', role: 'admin' }, clock: () => new Date(DEMO_NOW) });
let data = await loadBoard(crm, DEMO_PIPELINE_ID);
const changes: ChangeEvent[] = [];
storage.subscribe((events) => changes.push(...events));
const full: number[] = [];
const piecemeal: number[] = [];
for (let round = 0; round < rounds; round++) {
  const deal = data.deals.find((candidate) => candidate.stageId === 'opportunity')!;
  await crm.deals.moveToStage(deal.id, 'proposal', {
    expectedVersion: deal.version!,
    values: { expectedCloseDate: '2026-12-31' },
  });
  // Alternate which runs first, so neither always finds a warmer heap.
  const runs = [
    async () => {
      const started = performance.now();
      const next = await loadBoard(crm, DEMO_PIPELINE_ID, { previous: data, changes: changes.splice(0) });
      piecemeal.push(performance.now() - started);
      return next;
    },
    async () => {
      const started = performance.now();
      await loadBoard(crm, DEMO_PIPELINE_ID);
      full.push(performance.now() - started);
      return undefined;
    },
  ];
  if (round % 2) runs.reverse();
  for (const run of runs) data = (await run()) ?? data;
}
const [f, p] = [median(full), median(piecemeal)];
console.log(`Node ${process.version}, ${data.deals.length} deals in the pipeline, ${rounds} moves\n`);
console.log('| read after a move | median ms | × full reload |');
console.log('| --- | ---: | ---: |');
console.log(`| whole pipeline (reference) | ${f.toFixed(1)} | 1.00 |`);
console.log(`| changed deal only | ${p.toFixed(1)} | ${(p / f).toFixed(3)} |`);
await crm.dispose();
