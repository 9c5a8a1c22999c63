import { expect, oneEvent } from '@open-wc/testing';
import { CrmErrorEvent, CrmEvent, CrmLocaleChangeEvent } from '@crmkit/elements';

// Plain elements, not `fixture()`: it waits for an animation frame, which a background test page may never get.
const mount = (markup: string): HTMLDivElement => {
  const div = document.createElement('div');
  div.innerHTML = markup;
  document.body.append(div);
  return div;
};

describe('crmkit events', () => {
  afterEach(() => document.body.replaceChildren());

  it('bubble and compose out of a shadow root with a typed, frozen detail', async () => {
    const outer = mount('<span></span>');
    const host = outer.querySelector('span')!;
    const inner = document.createElement('b');
    host.attachShadow({ mode: 'open' }).append(inner);

    const heard = oneEvent(outer, 'crm-locale-change');
    inner.dispatchEvent(new CrmLocaleChangeEvent({ locale: 'zh-CN', messagesLocale: 'zh-CN' }));
    const event = await heard;
    // `event` is typed as CrmLocaleChangeEvent through GlobalEventHandlersEventMap.
    expect(event).to.be.instanceOf(CrmLocaleChangeEvent);
    expect(event).to.be.instanceOf(CrmEvent);
    expect(event.type).to.equal(CrmLocaleChangeEvent.eventType);
    expect(event.bubbles && event.composed).to.equal(true);
    expect(event.detail.locale).to.equal('zh-CN');
    expect(Object.isFrozen(event.detail)).to.equal(true);
    // Retargeted at the shadow host for listeners outside it.
    expect(event.target).to.equal(host);
  });

  it('addEventListener on an element types the event from its name', () => {
    const el = mount('');
    let operation = '';
    el.addEventListener('crm-error', (event) => {
      operation = event.detail.operation;
    });
    el.dispatchEvent(new CrmErrorEvent({ error: new Error('x'), operation: 'query' }));
    expect(operation).to.equal('query');
  });
});
