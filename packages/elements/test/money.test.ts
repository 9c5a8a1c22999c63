import { expect, fixture, html } from '@open-wc/testing';
import { CrmMoney } from '@crmkit/elements/crm-money';
import { CrmMoney as CrmMoneyFromIndex, defineElement, formatMoneyCached } from '@crmkit/elements';

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

  it('shows whole units when the amount has no minor part, in English and Chinese', async () => {
    const en = await fixture<CrmMoney>(
      html`<crm-money amount-minor="152100000" currency="CNY" locale="en"></crm-money>`,
    );
    expect(text(en)).to.equal('CN¥1,521,000');
    const zh = await fixture<CrmMoney>(
      html`<crm-money amount-minor="152100000" currency="CNY" locale="zh-CN"></crm-money>`,
    );
    expect(text(zh)).to.equal('¥1,521,000');
    // A minor part is never rounded away.
    zh.amountMinor = 152100050;
    await zh.updateComplete;
    expect(text(zh)).to.equal('¥1,521,000.50');
    en.amountMinor = 152100001;
    await en.updateComplete;
    expect(text(en)).to.equal('CN¥1,521,000.01');
  });

  it('shows minor units always, or rounds to whole units, when asked', async () => {
    const always = await fixture<CrmMoney>(
      html`<crm-money amount-minor="152100000" currency="CNY" locale="zh-CN" minor-units="always"></crm-money>`,
    );
    expect(text(always)).to.equal('¥1,521,000.00');
    const never = await fixture<CrmMoney>(
      html`<crm-money amount-minor="152100050" currency="CNY" locale="en" minor-units="never"></crm-money>`,
    );
    expect(text(never)).to.equal('CN¥1,521,001');
  });

  it("knows each currency's minor unit: none for yen, three digits for dinar", async () => {
    const yen = await fixture<CrmMoney>(html`<crm-money amount-minor="1500" currency="JPY" locale="en"></crm-money>`);
    expect(text(yen)).to.equal('¥1,500');
    const dinar = await fixture<CrmMoney>(
      html`<crm-money amount-minor="12000" currency="KWD" locale="en" currency-display="code"></crm-money>`,
    );
    expect(text(dinar)).to.equal('KWD 12');
    dinar.amountMinor = 12345;
    await dinar.updateComplete;
    expect(text(dinar)).to.equal('KWD 12.345');
  });

  it('formatMoneyCached: whole units, exact minor units and compact summaries in en and zh-CN', () => {
    const plain = (value: string) => value.replace(/\s/g, ' ');
    const cny = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
    expect(plain(formatMoneyCached(cny(152_100_000), 'en'))).to.equal('CN¥1,521,000');
    expect(plain(formatMoneyCached(cny(152_100_000), 'zh-CN'))).to.equal('¥1,521,000');
    expect(plain(formatMoneyCached(cny(25_050), 'en'))).to.equal('CN¥250.50');
    expect(plain(formatMoneyCached(cny(25_050), 'zh-CN'))).to.equal('¥250.50');
    expect(plain(formatMoneyCached(cny(152_100_000), 'en', { minorUnits: 'always' }))).to.equal('CN¥1,521,000.00');
    expect(plain(formatMoneyCached(cny(25_050), 'zh-CN', { minorUnits: 'never' }))).to.equal('¥251');
    expect(plain(formatMoneyCached(cny(152_100_000), 'en', { compact: true }))).to.equal('CN¥1.5M');
    expect(plain(formatMoneyCached(cny(152_100_000), 'zh-CN', { compact: true }))).to.equal('¥152.1万');
    expect(formatMoneyCached({ amountMinor: 100, currency: 'yuan' }, 'en')).to.equal('');
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
