import { expect, html, waitUntil } from '@open-wc/testing';
import { render } from 'lit';
import { createCrm, createMemoryStorage, CRM_COLLECTIONS, type Crm, type Deal } from '@crmkit/core';
import { DEMO_NOW, DEMO_PIPELINE_ID, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import { setCrmLocale, type CrmPipelineBoard } from '@crmkit/elements';

import { ignoreResizeObserverNotice } from './support.js';

ignoreResizeObserverNotice();
const now = new Date(DEMO_NOW);

async function demoCrm(options: { scale?: number } = {}): Promise<Crm> {
  const storage = createMemoryStorage({ collections: CRM_COLLECTIONS });
  await storage.importSnapshot(toStorageSnapshot(generateDemoData({ seed: 1, ...options })));
  return createCrm({ storage, actor: { id: 'usr-0001', role: 'admin' }, clock: () => now });
}

/** Mounts into a fresh container attached to the document (no animation-frame waits). */
async function mount(crm: Crm, attrs: Partial<CrmPipelineBoard> = {}): Promise<CrmPipelineBoard> {
  const container = document.createElement('div');
  document.body.append(container);
  render(
    html`<crm-provider .crm=${crm}
      ><crm-pipeline-board pipeline-id=${DEMO_PIPELINE_ID} .now=${now}></crm-pipeline-board
    ></crm-provider>`,
    container,
  );
  const board = container.querySelector('crm-pipeline-board')!;
  Object.assign(board, attrs);
  await waitUntil(() => board.shownColumns.length > 0, 'board did not load', { timeout: 5000 });
  await board.settled();
  return board;
}

describe('<crm-pipeline-board>', () => {
  let crm: Crm;
  beforeEach(async () => {
    crm = await demoCrm();
  });
  afterEach(async () => {
    document.body.replaceChildren();
    await crm.dispose();
    await setCrmLocale('en');
  });

  it('renders a column per stage with counts and totals', async () => {
    const board = await mount(crm);
    const pipeline = await crm.pipelines.get(DEMO_PIPELINE_ID);
    const deals = (await crm.deals.list({ where: { field: 'pipelineId', op: 'eq', value: DEMO_PIPELINE_ID } })).records;
    const columns = board.shadowRoot!.querySelectorAll('.column');
    expect(columns.length).to.equal(pipeline.stages.length);
    pipeline.stages.forEach((stage, index) => {
      const expected = deals.filter((deal: Deal) => deal.stageId === stage.id).length;
      expect(board.shownColumns[index]!.cards.length).to.equal(expected);
    });
    await waitUntil(() => board.shadowRoot!.querySelectorAll('.card').length > 0, 'no cards', { timeout: 5000 });
    await expect(board).to.be.accessible();
  });
});
