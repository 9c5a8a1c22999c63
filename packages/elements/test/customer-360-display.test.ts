import { expect, html, waitUntil } from '@open-wc/testing';
import { render } from 'lit';
import type { Crm, CustomerInput } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-customer-360';
import { setCrmLocale } from '@crmkit/elements';
import type { CrmCustomer360 } from '../src/customer-360/customer-360.component.js';
import { openTestCrm } from './crm-under-test.js';

// How the card lays out what people read: addresses in their country's order, e-mails wrapping between words.

const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();

async function cardFor(input: CustomerInput, locale: string, width = 480): Promise<{ card: CrmCustomer360; crm: Crm }> {
  const crm = await openTestCrm({ actor: { id: 'usr-admin', role: 'admin' } });
  const customer = await crm.customers.create(input);
  const container = document.createElement('div');
  container.style.width = `${width}px`;
  document.body.append(container);
  render(
    html`<crm-provider .crm=${crm} locale=${locale}
      ><crm-customer-360 customer-id=${customer.id} pii-roles="admin"></crm-customer-360
    ></crm-provider>`,
    container,
  );
  await setCrmLocale(locale);
  const card = container.querySelector('crm-customer-360')!;
  await waitUntil(() => card.shadowRoot?.querySelector('[part~="profile"] dl'), 'the card did not load');
  await card.updateComplete;
  return { card, crm };
}

/** The profile's facts by label. */
function facts(card: CrmCustomer360): Record<string, Element> {
  const found: Record<string, Element> = {};
  for (const fact of card.shadowRoot!.querySelectorAll('[part~="profile"] .fact')) {
    found[text(fact.querySelector('dt'))] = fact.querySelector('dd')!;
  }
  return found;
}

describe('<crm-customer-360> addresses and e-mails', () => {
  afterEach(async () => {
    document.body.replaceChildren();
    await setCrmLocale('en');
  });

  it('writes a Chinese address from the province down: 省 市 区 street, no commas, postal code last', async () => {
    const { card, crm } = await cardFor(
      {
        kind: 'organisation',
        name: '深圳前海科技有限公司',
        address: {
          country: 'CN',
          region: '广东省',
          city: '深圳市',
          line1: '南山区科技园路 1 号',
          postalCode: '518057',
        },
      },
      'zh-CN',
    );
    expect(text(facts(card)['地址'])).to.equal('中国广东省深圳市南山区科技园路 1 号 518057');
    await crm.dispose();
  });

  it('keeps street-first order elsewhere, with the country named in the reader’s language', async () => {
    const { card, crm } = await cardFor(
      {
        kind: 'organisation',
        name: 'Acme Ltd',
        address: { country: 'GB', city: 'London', line1: '1 Fleet Street', postalCode: 'EC4Y 1AA' },
      },
      'en',
    );
    expect(text(facts(card)['Address'])).to.equal('1 Fleet Street, EC4Y 1AA, London, United Kingdom');
    await crm.dispose();
  });

  it('wraps a long e-mail before its @ or a dot, never inside a word', async () => {
    const email = 'zhang.wei.procurement@shenzhenqianhai.com.cn';
    const { card, crm } = await cardFor({ kind: 'person', name: '张伟', emails: [email] }, 'en', 300);
    const link = card.shadowRoot!.querySelector(`[part~="profile"] a[href^="mailto:"]`)!;
    expect(text(link)).to.equal(email);
    // It does not fit on one line at this width…
    const lines = new Set([...link.getClientRects()].map((rect) => Math.round(rect.top)));
    expect(lines.size).to.be.greaterThan(1);
    // …and every piece between break points sits on one line.
    const pieces = [...link.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE && node.textContent);
    expect(pieces.map((node) => node.textContent).join('')).to.equal(email);
    for (const piece of pieces) {
      const range = document.createRange();
      range.selectNodeContents(piece);
      const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      expect(tops.size, `“${piece.textContent}” is split across lines`).to.equal(1);
    }
    await crm.dispose();
  });
});
