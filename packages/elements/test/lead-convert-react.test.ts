import { expect, waitUntil } from '@open-wc/testing';
import React from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createCrm, createMemoryStorage, type Crm } from '@crmkit/core';
import { CrmLeadConvert, CrmProvider } from '@crmkit/elements/react';
import type { CrmLeadConvert as CrmLeadConvertElement } from '../src/lead-convert/lead-convert.component.js';
import type { CrmLeadConvertedEvent } from '../src/lead-convert/events.js';

// React reports renders outside `act` unless it is told this is a test environment.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('@crmkit/elements/react: CrmLeadConvert', () => {
  let crm: Crm;
  let root: Root;
  let container: HTMLElement;
  beforeEach(async () => {
    crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'usr-admin', role: 'admin' } });
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });
  afterEach(async () => {
    await React.act(async () => root.unmount());
    document.body.replaceChildren();
    crm.dispose();
  });

  it('sets leadId and values as properties and calls onLeadConverted with ids', async () => {
    const lead = await crm.leads.create({ name: 'Mei Lin', company: 'Aurora Harbour Hotels' });
    const converted: CrmLeadConvertedEvent[] = [];
    await React.act(async () =>
      root.render(
        React.createElement(
          CrmProvider,
          { crm, locale: 'en-US' },
          React.createElement(CrmLeadConvert, {
            leadId: lead.id,
            values: { amount: '1200', expectedCloseDate: '2030-01-31' },
            onLeadConverted: (event) => converted.push(event),
          }),
        ),
      ),
    );
    const element = container.querySelector<CrmLeadConvertElement>('crm-lead-convert')!;
    expect(element).to.be.instanceOf(customElements.get('crm-lead-convert')!);
    expect(element.leadId).to.equal(lead.id);
    await waitUntil(() => element.shadowRoot?.querySelector('form'), 'the form did not load');
    await element.submit();
    expect(converted).to.have.length(1);
    const deal = await crm.deals.get(converted[0]!.detail.dealId);
    expect(deal).to.include({ title: 'Aurora Harbour Hotels', expectedCloseDate: '2030-01-31', ownerId: 'usr-admin' });
  });
});
