import { expect, waitUntil } from '@open-wc/testing';
import { html, render } from 'lit';
import type { Crm } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-form';
import '@crmkit/elements/crm-pipeline-board';
import type { CrmLeadCapturedEvent, CrmLeadForm, CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import { openTestCrm } from './crm-under-test.js';

ignoreResizeObserverNotice();

// The lead form and the board on one page, over one CRM: what the form captures reaches the board through the
// storage change feed (a remote CRM's: the server's change stream), with no reload and no wiring between the two
// elements.
describe('<crm-lead-form> beside <crm-pipeline-board>', () => {
  let crm: Crm;
  beforeEach(async () => {
    crm = await openTestCrm({ actor: { id: 'usr-1', role: 'admin' } });
  });
  afterEach(() => {
    document.body.replaceChildren();
    crm.dispose();
  });

  it('a lead captured in the form and converted shows up on the board without reload', async () => {
    const container = document.createElement('div');
    document.body.append(container);
    render(
      html`<crm-provider .crm=${crm}>
        <crm-lead-form fields="name,company,email"></crm-lead-form>
        <crm-pipeline-board pipeline-id="default"></crm-pipeline-board>
      </crm-provider>`,
      container,
    );
    const form = container.querySelector<CrmLeadForm>('crm-lead-form')!;
    const board = container.querySelector<CrmPipelineBoard>('crm-pipeline-board')!;
    // The built-in pipeline is there from the start: the board shows its stages, empty, until the conversion adds
    // the first deal, which it then picks up by itself.
    await waitUntil(() => board.shownColumns.length > 0, 'the board did not load', { timeout: 5000 });
    await board.settled();
    expect(board.shownColumns.map((column) => column.stage.id)).to.deep.equal([
      'opportunity',
      'proposal',
      'won',
      'lost',
    ]);
    expect(board.shownColumns.flatMap((column) => column.cards)).to.have.length(0);

    // The host converts what the form captured, as a sales desk would once it qualifies.
    form.addEventListener('crm-lead-captured', (event: CrmLeadCapturedEvent) => {
      void crm.leads.convert(event.detail.leadId, {
        deal: { title: 'Office lighting', amount: { amountMinor: 4_800_000, currency: 'CNY' } },
      });
    });
    await form.updateComplete;
    for (const [field, value] of [
      ['name', 'Wang Fang'],
      ['company', 'Suzhou Textiles'],
      ['email', 'wang.fang@example.com'],
    ] as const) {
      const input = form.shadowRoot!.querySelector<HTMLInputElement>(`[name="${field}"]`)!;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    }
    form.shadowRoot!.querySelector<HTMLButtonElement>('[type="submit"]')!.click();

    await waitUntil(
      () => board.shownColumns.some((column) => column.cards.some((card) => card.deal.title === 'Office lighting')),
      'the converted lead never reached the board',
      { timeout: 5000 },
    );
    const card = board.shownColumns.flatMap((column) => column.cards).find((c) => c.deal.title === 'Office lighting')!;
    expect(card.customerName).to.equal('Suzhou Textiles');
    expect(card.stageId).to.equal('opportunity');
    expect((await crm.leads.list()).records.map((lead) => lead.status)).to.deep.equal(['converted']);
  });
});
