// The phone rules (libphonenumber-js and its full metadata, about 40 kB gzip) arrive lazily (issue 17): a page that
// mounts <crm-lead-form>, with a CRM behind it, loads no libphonenumber module until a phone number is typed; typing
// one loads them, and the form and the capture then check the number with them. The page's module loads are watched
// with a PerformanceObserver on resource timing entries, registered before the elements and the core are imported
// (dynamically, below), so every module they load is seen. This file runs in a page of its own: nothing else in it
// may load the phone rules first.
import { expect, waitUntil } from '@open-wc/testing';
import type { Crm } from '@crmkit/core';
import type { CrmLeadForm } from '../src/lead-form/lead-form.component.js';

/** Every resource this page fetched after the observer started, in order: its URL and when the fetch started. */
const fetched: { readonly name: string; readonly startTime: number }[] = [];
// The observer sees every entry; the page's own list stops at 250 unless told otherwise.
performance.setResourceTimingBufferSize(100_000);
new PerformanceObserver((list) => {
  for (const { name, startTime } of list.getEntries()) fetched.push({ name, startTime });
}).observe({ type: 'resource', buffered: true });

const isPhoneRules = (url: string): boolean => /\/libphonenumber-js\//.test(url);
const isFullMetadata = (url: string): boolean => /\/libphonenumber-js\/metadata\.max\.json\.js/.test(url);
const phoneLoads = () => fetched.filter(({ name }) => isPhoneRules(name));

/**
 * Lets whatever a mounted form starts on its own (renders, queries, idle work) run before looking. Timers, not
 * animation frames: a page the test runner keeps in the background draws none, and a frame would never come.
 */
async function quiet(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setTimeout(resolve, 100));
}

let crm: Crm | undefined;
afterEach(async () => {
  document.body.replaceChildren();
  await crm?.dispose();
});

describe('<crm-lead-form>: the phone rules load on first use', () => {
  it('mounting the form loads no libphonenumber module; typing a phone loads the full metadata, which then checks it', async function () {
    // The dev server transforms the rules' many modules on first request: slow on a busy machine, never wrong.
    this.timeout(60_000);
    const [{ html, render }, core, phone] = await Promise.all([
      import('lit'),
      import('@crmkit/core'),
      import('../src/internal/phone.js'),
      import('@crmkit/elements/crm-provider'),
      import('@crmkit/elements/crm-lead-form'),
    ]);
    crm = await core.createCrm({ storage: core.createMemoryStorage(), actor: { id: 'usr-admin', role: 'admin' } });
    const container = document.createElement('div');
    document.body.append(container);
    render(
      html`<crm-provider .crm=${crm}
        ><crm-lead-form default-country="CN" fields="name,email,phone"></crm-lead-form
      ></crm-provider>`,
      container,
    );
    const form = container.querySelector<CrmLeadForm>('crm-lead-form')!;
    await form.updateComplete;
    const input = (field: string) => form.shadowRoot!.querySelector<HTMLInputElement>(`#f-${field}`)!;
    const type = (field: string, value: string) => {
      input(field).value = value;
      input(field).dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    };
    type('name', 'Li Lei');
    type('email', 'li.lei@example.com');
    await quiet();

    // The observer saw the page load the form and the core (so it was watching), and no phone rules.
    expect(
      fetched.some(({ name }) => /lead-form/.test(name)),
      'the lead form module was seen loading',
    ).to.equal(true);
    expect(
      fetched.some(({ name }) => /\/core\/src\//.test(name)),
      'core modules were seen loading',
    ).to.equal(true);
    expect(phoneLoads().map(({ name }) => name)).to.deep.equal([]);
    expect(phone.loadedPhoneNormaliser()).to.equal(undefined);

    const typedAt = performance.now();
    type('phone', '138-0013-800');
    await waitUntil(() => phone.loadedPhoneNormaliser() !== undefined, 'the phone rules load once a phone is typed', {
      timeout: 50_000,
    });
    const loads = phoneLoads();
    expect(
      loads.some(({ name }) => isFullMetadata(name)),
      'the full metadata was fetched',
    ).to.equal(true);
    for (const { name, startTime } of loads) expect(startTime, `${name} after typing`).to.be.greaterThan(typedAt);

    // And they check: 138-0013-800 is no Chinese number, 138 0013 8000 is, and is captured in E.164.
    input('phone').dispatchEvent(new Event('blur'));
    await form.updateComplete;
    expect(form.issues.get('phone')).to.deep.equal({ kind: 'phone' });
    type('phone', '138 0013 8000');
    await form.submit();
    const { records } = await crm.leads.list();
    expect(records.map((lead) => lead.phone)).to.deep.equal(['+8613800138000']);
  });
});
