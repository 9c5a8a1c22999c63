import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { LitElement, type TemplateResult } from 'lit';
import '@crmkit/elements/crm-provider';
import {
  crmMessages,
  defineElement,
  getCrmLocale,
  resolveCrmLocale,
  setCrmLocale,
  updateOnCrmLocaleChange,
  type CrmProvider,
} from '@crmkit/elements';

class TestMessage extends LitElement {
  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }
  override render(): TemplateResult {
    return html`<p>${crmMessages.retry()}</p>`;
  }
}
defineElement('test-message', TestMessage);

const shown = (el: Element) => el.shadowRoot!.querySelector('p')!.textContent;

describe('localisation', () => {
  afterEach(() => setCrmLocale('en'));

  it('maps BCP 47 tags onto the catalogues', () => {
    expect(['zh', 'zh-CN', 'zh-Hans-CN', 'zh-SG'].map(resolveCrmLocale)).to.deep.equal(Array(4).fill('zh-CN'));
    expect(['en-GB', 'de-DE', 'zh-TW', 'zh-Hant'].map(resolveCrmLocale)).to.deep.equal(Array(4).fill('en'));
  });

  it('switches en ↔ zh-CN at run time with setCrmLocale, re-rendering elements', async () => {
    const el = await fixture<TestMessage>(html`<test-message></test-message>`);
    expect(shown(el)).to.equal('Retry');
    await setCrmLocale('zh-CN');
    await el.updateComplete;
    expect(getCrmLocale()).to.equal('zh-CN');
    expect(shown(el)).to.equal('重试');
    await setCrmLocale('en');
    await el.updateComplete;
    expect(shown(el)).to.equal('Retry');
  });

  it('switches through the provider’s locale attribute', async () => {
    const provider = await fixture<CrmProvider>(html`<crm-provider><test-message></test-message></crm-provider>`);
    const el = provider.querySelector('test-message')!;
    const ready = oneEvent(provider, 'crm-locale-change');
    provider.setAttribute('locale', 'zh-CN');
    await ready;
    await (el as TestMessage).updateComplete;
    expect(shown(el)).to.equal('重试');
    const back = oneEvent(provider, 'crm-locale-change');
    provider.setAttribute('locale', 'en-US');
    expect((await back).detail).to.deep.equal({ locale: 'en-US', messagesLocale: 'en' });
    await (el as TestMessage).updateComplete;
    expect(shown(el)).to.equal('Retry');
  });

  it('translates every shared message, including those with values', async () => {
    const english = Object.values(crmMessages).map((message) => message(3));
    await setCrmLocale('zh-CN');
    const chinese = Object.values(crmMessages).map((message) => message(3));
    chinese.forEach((text, index) => expect(text, english[index]).not.to.equal(english[index]));
    expect(crmMessages.recordCount(3)).to.equal('3 条记录');
  });
});
