import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { LitElement, type TemplateResult } from 'lit';
import { createCrm, createMemoryStorage, type Crm, type StoragePort } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import {
  type CrmErrorEvent,
  CrmQueryController,
  CrmQueryStatus,
  type CrmQueryUpdate,
  crmMessages,
  defineElement,
  updateOnCrmLocaleChange,
  type CrmProvider,
} from '@crmkit/elements';

type Query = (crm: Crm, signal: AbortSignal, update?: CrmQueryUpdate<number>) => Promise<number>;

/** A consumer whose query the test swaps; it renders the count, or the shared loading/error messages. */
class TestCount extends LitElement {
  static query: Query = async (crm) => crm.contacts.count();
  calls = 0;
  readonly data = new CrmQueryController<number>(this, {
    collections: ['contacts'],
    query: (crm, signal, update) => {
      this.calls++;
      return TestCount.query(crm, signal, update);
    },
  });
  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }
  override render(): TemplateResult {
    if (this.data.status === CrmQueryStatus.ERROR) return html`<p role="alert">${crmMessages.loadFailed()}</p>`;
    if (this.data.value === undefined) return html`<p>${crmMessages.loading()}</p>`;
    return html`<p>${crmMessages.recordCount(this.data.value)}</p>`;
  }
}
defineElement('test-count', TestCount);

const text = (el: TestCount) => el.shadowRoot!.querySelector('p')!.textContent;
/** Writes straight to the storage a CRM was created over, as another writer of the same storage would. */
const put = (storage: StoragePort, collection: string, id: string) =>
  storage.put(collection, { id, name: id }, { expectedVersion: 0 });

describe('CrmQueryController', () => {
  let storage: StoragePort;
  let crm: Crm;
  beforeEach(async () => {
    TestCount.query = async (c) => c.contacts.count();
    storage = createMemoryStorage();
    // An admin: the records written below have no owner, and this suite is about the controller, not access.
    crm = await createCrm({ storage, actor: { id: 'u1', role: 'admin' } });
  });
  afterEach(() => crm.dispose());

  const mount = async () => {
    const provider = await fixture<CrmProvider>(
      html`<crm-provider .crm=${crm}><test-count></test-count></crm-provider>`,
    );
    const el = provider.querySelector<TestCount>('test-count')!;
    await el.data.settled();
    await el.updateComplete;
    return { provider, el };
  };

  it('stays initial without a CRM and loads once the provider gets one', async () => {
    const provider = await fixture<CrmProvider>(html`<crm-provider><test-count></test-count></crm-provider>`);
    const el = provider.querySelector<TestCount>('test-count')!;
    await el.data.settled();
    expect(el.data.status).to.equal('initial');
    expect(el.calls).to.equal(0);
    expect(text(el)).to.equal('Loading…');
    provider.crm = crm;
    await waitUntil(() => el.data.status === 'complete');
    await el.updateComplete;
    expect(el.data.value).to.equal(0);
    expect(text(el)).to.equal('0 records');
  });

  it('re-queries after a write through the port, one re-run per batch of writes', async () => {
    const { el } = await mount();
    expect(el.calls).to.equal(1);
    await storage.transaction(async (tx) => {
      await tx.put('contacts', { id: 'a', name: 'a' }, { expectedVersion: 0 });
      await tx.put('contacts', { id: 'b', name: 'b' }, { expectedVersion: 0 });
    });
    await el.data.settled();
    await el.updateComplete;
    expect(el.calls).to.equal(2);
    expect(el.data.value).to.equal(2);
    expect(text(el)).to.equal('2 records');
    // Two separate commits reported in the same microtask batch make one re-run.
    const [first, second] = [put(storage, 'contacts', 'c'), put(storage, 'contacts', 'd')];
    await Promise.all([first, second]);
    await el.data.settled();
    expect(el.data.value).to.equal(4);
    expect(el.calls).to.be.at.most(4);
  });

  it('hands a query the changes since its previous value, and nothing after refresh()', async () => {
    const updates: (string[] | undefined)[] = [];
    TestCount.query = async (c, _signal, update) => {
      updates.push(update?.changes.map((change) => `${change.collection}/${change.id}`));
      return c.contacts.count();
    };
    const { el } = await mount();
    await storage.transaction(async (tx) => {
      await tx.put('contacts', { id: 'a', name: 'a' }, { expectedVersion: 0 });
      await tx.put('notes', { id: 'n', name: 'n' }, { expectedVersion: 0 });
    });
    await el.data.settled();
    el.data.refresh([{ collection: 'contacts', id: 'z', type: 'put' }]);
    await el.data.settled();
    el.data.refresh();
    await el.data.settled();
    // First load: nothing to update; then only the watched change; then the host's own; then a full read.
    expect(updates).to.deep.equal([undefined, ['contacts/a'], ['contacts/z'], undefined]);
  });

  it('ignores changes to collections it does not depend on', async () => {
    const { el } = await mount();
    await put(storage, 'notes', 'n1');
    await put(storage, 'deals', 'd1');
    await el.data.settled();
    expect(el.calls).to.equal(1);
    expect(el.data.status).to.equal('complete');
  });

  it('aborts a stale load: its result never lands', async () => {
    const { el } = await mount();
    let releaseSlow!: (value: number) => void;
    let slowSignal!: AbortSignal;
    TestCount.query = (_crm, signal) => {
      slowSignal = signal;
      return new Promise<number>((resolve) => (releaseSlow = resolve));
    };
    await put(storage, 'contacts', 'a');
    await waitUntil(() => el.data.status === 'pending');
    const staleRelease = releaseSlow;
    const staleSignal = slowSignal;
    TestCount.query = async () => 42;
    await put(storage, 'contacts', 'b');
    await el.data.settled();
    expect(staleSignal.aborted).to.equal(true);
    expect(el.data.value).to.equal(42);
    staleRelease(-1); // the stale query resolves late, ignoring its signal
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(el.data.value).to.equal(42);
    expect(el.data.status).to.equal('complete');
  });

  it('keeps the last value while re-loading, and reports a failure as error plus a crm-error event', async () => {
    const { provider, el } = await mount();
    const failure = new Error('disk on fire');
    TestCount.query = async () => {
      throw failure;
    };
    const errors: CrmErrorEvent[] = [];
    provider.addEventListener('crm-error', (event) => errors.push(event));
    await put(storage, 'contacts', 'a');
    await el.data.settled();
    await el.updateComplete;
    expect(el.data.status).to.equal('error');
    expect(el.data.error).to.equal(failure);
    expect(el.data.value).to.equal(0);
    expect(errors).to.have.length(1);
    expect(errors[0]!.detail).to.deep.equal({ error: failure, operation: 'query' });
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.equal('Could not load the data.');
  });

  it('stops listening when disconnected and resumes when reconnected', async () => {
    const { provider, el } = await mount();
    el.remove();
    await put(storage, 'contacts', 'a');
    await el.data.settled();
    expect(el.calls).to.equal(1);
    provider.append(el);
    await waitUntil(() => el.calls === 2 && el.data.status === 'complete');
    expect(el.data.value).to.equal(1);
  });

  it('follows the provider to a new CRM', async () => {
    const { provider, el } = await mount();
    const otherStorage = createMemoryStorage();
    const other = await createCrm({ storage: otherStorage, actor: { id: 'u2', role: 'admin' } });
    await put(otherStorage, 'contacts', 'x');
    provider.crm = other;
    await waitUntil(() => el.data.value === 1);
    // The old CRM's writes no longer count.
    const calls = el.calls;
    await put(storage, 'contacts', 'y');
    await el.data.settled();
    expect(el.calls).to.equal(calls);
    other.dispose();
  });
});
