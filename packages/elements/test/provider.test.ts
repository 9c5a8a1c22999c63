import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { LitElement, type TemplateResult } from 'lit';
import { ContextConsumer } from '@lit/context';
import { createCrm, createMemoryStorage, type Crm } from '@crmkit/core';
import { CrmProvider } from '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-money';
import {
  CrmProvider as CrmProviderFromIndex,
  crmContext,
  defineElement,
  setCrmLocale,
  type CrmMoney,
} from '@crmkit/elements';

/** A bare consumer that records every context value it is given. */
class TestConsumer extends LitElement {
  readonly seen: unknown[] = [];
  readonly context = new ContextConsumer(this, {
    context: crmContext,
    subscribe: true,
    callback: (value) => this.seen.push(value),
  });
  override render(): TemplateResult {
    return html`${this.context.value?.currency ?? ''}`;
  }
}
defineElement('test-consumer', TestConsumer);

const money = (root: ParentNode) => {
  const el = root.querySelector<CrmMoney>('crm-money')!;
  return el.shadowRoot!.querySelector('[part~="base"]')!.textContent!.replace(/\s/g, ' ');
};

describe('<crm-provider>', () => {
  let crm: Crm;
  beforeEach(async () => {
    crm = await createCrm({
      storage: createMemoryStorage(),
      actor: { id: 'u1' },
      currency: 'USD',
      timeZone: 'America/New_York',
    });
  });
  afterEach(async () => {
    crm.dispose();
    await setCrmLocale('en');
  });

  it('is registered by its module and is the class the index exports; registering again is harmless', () => {
    expect(customElements.get('crm-provider')).to.equal(CrmProvider);
    expect(CrmProviderFromIndex).to.equal(CrmProvider);
    class Other extends HTMLElement {}
    expect(() => defineElement('crm-provider', Other)).not.to.throw();
    expect(customElements.get('crm-provider')).to.equal(CrmProvider);
  });

  it('lays out nothing itself and renders its content through a slot', async () => {
    const el = await fixture<CrmProvider>(html`<crm-provider><p>inside</p></crm-provider>`);
    expect(getComputedStyle(el).display).to.equal('contents');
    expect(el.shadowRoot!.querySelector('slot')).not.to.equal(null);
    expect(el.querySelector('p')!.assignedSlot).to.equal(el.shadowRoot!.querySelector('slot'));
  });

  it('provides the CRM, locale, currency, time zone and actor, its own settings before the CRM’s', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider .crm=${crm} locale="zh-CN" currency="CNY" time-zone="Asia/Shanghai">
        <test-consumer></test-consumer>
      </crm-provider>`,
    );
    const consumer = el.querySelector<TestConsumer>('test-consumer')!;
    expect(consumer.context.value).to.deep.equal({
      crm,
      locale: 'zh-CN',
      currency: 'CNY',
      timeZone: 'Asia/Shanghai',
      // `crm.actor`: the actor option, its role defaulted to `rep`.
      actor: { id: 'u1', role: 'rep' },
    });
    expect(consumer.context.value).to.equal(el.contextValue);
  });

  it('falls back to the CRM’s currency and time zone, and leaves locale to the consumer’s lang', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider .crm=${crm}><test-consumer></test-consumer></crm-provider>`,
    );
    const value = el.querySelector<TestConsumer>('test-consumer')!.context.value!;
    expect(value.currency).to.equal('USD');
    expect(value.timeZone).to.equal('America/New_York');
    expect(value.locale).to.equal(undefined);
  });

  it('updates consumers when an attribute or property changes', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider currency="CNY"><test-consumer></test-consumer></crm-provider>`,
    );
    const consumer = el.querySelector<TestConsumer>('test-consumer')!;
    await consumer.updateComplete;
    expect(consumer.shadowRoot!.textContent).to.equal('CNY');
    el.setAttribute('currency', 'EUR');
    await el.updateComplete;
    await consumer.updateComplete;
    expect(consumer.context.value!.currency).to.equal('EUR');
    expect(consumer.shadowRoot!.textContent).to.equal('EUR');
    el.currency = undefined;
    el.crm = crm;
    await el.updateComplete;
    expect(consumer.context.value!.crm).to.equal(crm);
    expect(consumer.context.value!.currency).to.equal('USD');
    expect(consumer.seen.length).to.be.at.least(3);
  });

  it('answers consumers that upgraded before it (context root)', async () => {
    const container = document.createElement('div');
    document.body.append(container);
    // An unregistered tag upgrades later than the consumer inside it.
    class LateProvider extends CrmProvider {}
    container.innerHTML = '<crm-late-provider currency="JPY"><test-consumer></test-consumer></crm-late-provider>';
    const consumer = container.querySelector<TestConsumer>('test-consumer')!;
    expect(consumer.context.value).to.equal(undefined);
    defineElement('crm-late-provider', LateProvider);
    await (container.firstElementChild as CrmProvider).updateComplete;
    await consumer.updateComplete;
    expect(consumer.context.value?.currency).to.equal('JPY');
    container.remove();
  });

  it('gives <crm-money> its currency and locale when the element sets none, and re-renders it on change', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider locale="de-DE" currency="EUR"><crm-money amount-minor="123450"></crm-money></crm-provider>`,
    );
    const child = el.querySelector<CrmMoney>('crm-money')!;
    await child.updateComplete;
    expect(money(el)).to.equal('1.234,50 €');
    el.locale = 'zh-CN';
    el.currency = 'CNY';
    await el.updateComplete;
    await child.updateComplete;
    expect(money(el)).to.equal('¥1,234.50');
    // The element's own attributes win.
    child.currency = 'USD';
    child.locale = 'en-US';
    await child.updateComplete;
    expect(money(el)).to.equal('$1,234.50');
  });

  it('fires crm-locale-change, bubbling and composed, once the locale is in effect', async () => {
    const el = await fixture<CrmProvider>(html`<crm-provider locale="en"></crm-provider>`);
    const heard = oneEvent(document, 'crm-locale-change');
    el.locale = 'zh-CN';
    const event = await heard;
    expect(event.detail).to.deep.equal({ locale: 'zh-CN', messagesLocale: 'zh-CN' });
    expect(event.bubbles && event.composed).to.equal(true);
  });

  it('forces a colour scheme on its content with theme', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider theme="dark"><crm-money amount-minor="-100"></crm-money></crm-provider>`,
    );
    const child = el.querySelector<CrmMoney>('crm-money')!;
    await child.updateComplete;
    expect(getComputedStyle(child).colorScheme).to.equal('dark');
    const negative = child.shadowRoot!.querySelector('[part~="negative"]')!;
    const dark = getComputedStyle(negative).color;
    el.theme = 'light';
    await el.updateComplete;
    expect(getComputedStyle(negative).color).not.to.equal(dark);
    // A page value wins over the defaults.
    el.style.setProperty('--crm-color-danger', 'rgb(1, 2, 3)');
    expect(getComputedStyle(negative).color).to.equal('rgb(1, 2, 3)');
  });

  it('is accessible with content', async () => {
    const el = await fixture<CrmProvider>(
      html`<crm-provider .crm=${crm} locale="zh-CN" currency="CNY">
        <p>合计：<crm-money amount-minor="500"></crm-money></p>
      </crm-provider>`,
    );
    await expect(el).to.be.accessible();
  });
});
