import { expect, fixture, html } from '@open-wc/testing';
import { CrmMoney } from '@crmkit/elements/crm-money';
import { CrmMoney as CrmMoneyFromIndex, defineElement } from '@crmkit/elements';

// Intl separates amount and symbol with no-break spaces; compare with plain ones.
const text = (el: CrmMoney) => el.shadowRoot!.querySelector('[part~="base"]')!.textContent!.replace(/\s/g, ' ');

describe('<crm-money>', () => {
  it('is registered by its module and is the class the index exports', () => {
    expect(customElements.get('crm-money')).to.equal(CrmMoney);
    expect(CrmMoneyFromIndex).to.equal(CrmMoney);
  });

  it('registering again is harmless', () => {
    class Other extends HTMLElement {}
    expect(() => defineElement('crm-money', Other)).not.to.throw();
    expect(customElements.get('crm-money')).to.equal(CrmMoney);
  });

  it('formats minor units in the given locale', async () => {
    const el = await fixture<CrmMoney>(
      html`<crm-money amount-minor="123450" currency="CNY" locale="zh-CN"></crm-money>`,
    );
    expect(text(el)).to.equal('¥1,234.50');
  });

  it('inherits the locale from the nearest lang attribute', async () => {
    const container = document.createElement('div');
    container.lang = 'de-DE';
    const el = await fixture<CrmMoney>(html`<crm-money amount-minor="123450" currency="EUR"></crm-money>`, {
      parentNode: container,
    });
    expect(text(el)).to.equal('1.234,50 €');
  });

  it('re-renders when properties change and marks negatives', async () => {
    const el = await fixture<CrmMoney>(html`<crm-money amount-minor="100" currency="USD" locale="en-US"></crm-money>`);
    el.amountMinor = -2599;
    el.currencyDisplay = 'code';
    await el.updateComplete;
    const base = el.shadowRoot!.querySelector('[part~="base"]')!;
    expect(base.getAttribute('part')).to.equal('base negative');
    expect(text(el)).to.equal('-USD 25.99');
  });

  it('renders nothing for an invalid currency or amount instead of throwing', async () => {
    const el = await fixture<CrmMoney>(html`<crm-money amount-minor="100" currency="yuan"></crm-money>`);
    expect(text(el)).to.equal('');
    el.currency = 'CNY';
    el.amountMinor = 1.5;
    await el.updateComplete;
    expect(text(el)).to.equal('');
  });

  it('is accessible', async () => {
    const el = await fixture<CrmMoney>(html`<crm-money amount-minor="500" currency="JPY" locale="ja-JP"></crm-money>`);
    await expect(el).to.be.accessible();
  });
});
