import { expect } from '@open-wc/testing';
import type { ChangeEvent } from '@crmkit/core';
import { createDexieStorage } from '@crmkit/storage-dexie';
import { deleteDatabase, sleep, uniqueName } from './raw-idb.js';

/** Resolves once `received` holds at least `count` batches, or after 3 s (the assertion then shows what came). */
async function waitForBatches(received: readonly unknown[], count: number): Promise<void> {
  for (let waited = 0; received.length < count && waited < 3000; waited += 10) await sleep(10);
}

/** A same-origin iframe running its own copy of the adapter: another tab, as far as IndexedDB is concerned. */
async function openOtherTab(): Promise<{ frame: HTMLIFrameElement; otherTab: NonNullable<Window['crmkitOtherTab']> }> {
  const frame = document.createElement('iframe');
  const ready = new Promise<void>((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.source === frame.contentWindow && event.data === 'crmkit-other-tab-ready') {
        window.removeEventListener('message', onMessage);
        resolve();
      }
    };
    window.addEventListener('message', onMessage);
  });
  const script = document.createElement('script');
  script.type = 'module';
  script.src = new URL('./fixtures/other-tab.ts', import.meta.url).href;
  frame.srcdoc = `<!doctype html>${script.outerHTML}`;
  document.body.append(frame);
  await Promise.race([
    ready,
    sleep(10_000).then(() => {
      throw new Error('the other tab did not load');
    }),
  ]);
  return { frame, otherTab: frame.contentWindow!.crmkitOtherTab! };
}

const strip = (batches: ChangeEvent[][]) =>
  batches.map((batch) =>
    batch.map(({ collection, id, type, version, remote }) => ({ collection, id, type, version, remote })),
  );

describe('live changes across connections', () => {
  it("delivers one instance's committed writes to another instance's subscribers, marked remote", async () => {
    const name = uniqueName('live');
    const writer = createDexieStorage({ name });
    const reader = createDexieStorage({ name });
    const atWriter: ChangeEvent[][] = [];
    const atReader: ChangeEvent[][] = [];
    writer.subscribe((events) => atWriter.push([...events]));
    reader.subscribe((events) => atReader.push([...events]));
    try {
      await writer.put('customers', { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
      await writer.transaction(async (tx) => {
        await tx.put('deals', { id: 'd1', customerId: 'c1' }, { expectedVersion: 0 });
        await tx.delete('customers', 'c1');
      });
      // A failed transaction is never announced, here or there.
      await writer
        .transaction(async (tx) => {
          await tx.put('deals', { id: 'd2' }, { expectedVersion: 0 });
          throw new Error('abort');
        })
        .catch(() => undefined);
      await waitForBatches(atReader, 2);
      await sleep(50);
      const expected = (remote: boolean | undefined) => [
        [{ collection: 'customers', id: 'c1', type: 'put', version: 1, remote }],
        [
          { collection: 'deals', id: 'd1', type: 'put', version: 1, remote },
          { collection: 'customers', id: 'c1', type: 'delete', version: undefined, remote },
        ],
      ];
      expect(strip(atWriter)).to.deep.equal(expected(undefined));
      expect(strip(atReader)).to.deep.equal(expected(true));
      // The reader sees the committed data when it re-reads on the event.
      expect((await reader.get('deals', 'd1'))?.version).to.equal(1);
      expect(await reader.get('customers', 'c1')).to.equal(undefined);
    } finally {
      await writer.close();
      await reader.close();
      await deleteDatabase(name);
    }
  });

  it('stops delivering after close and unsubscribe', async () => {
    const name = uniqueName('live-closed');
    const writer = createDexieStorage({ name });
    const closedReader = createDexieStorage({ name });
    const unsubscribedReader = createDexieStorage({ name });
    const received: unknown[] = [];
    closedReader.subscribe((events) => received.push(events));
    unsubscribedReader.subscribe((events) => received.push(events))();
    await closedReader.close();
    await writer.put('deals', { id: 'd1' }, { expectedVersion: 0 });
    await sleep(100);
    expect(received).to.deep.equal([]);
    await writer.close();
    await unsubscribedReader.close();
    await deleteDatabase(name);
  });

  it('reaches another browsing context (a same-origin frame, like another tab) both ways', async () => {
    const name = uniqueName('live-frame');
    const { frame, otherTab } = await openOtherTab();
    const here = createDexieStorage({ name });
    const there = otherTab.createDexieStorage({ name });
    const atHere: ChangeEvent[][] = [];
    const atThere: ChangeEvent[][] = [];
    here.subscribe((events) => atHere.push([...events]));
    there.subscribe((events) => atThere.push([...events]));
    try {
      await there.put('customers', { id: 'c1', name: '张伟' }, { expectedVersion: 0 });
      await waitForBatches(atHere, 1);
      expect(strip(atHere)).to.deep.equal([
        [{ collection: 'customers', id: 'c1', type: 'put', version: 1, remote: true }],
      ]);
      expect((await here.get('customers', 'c1'))?.['name']).to.equal('张伟');

      await here.put('customers', { id: 'c1', name: 'Zhang Wei' }, { expectedVersion: 1 });
      await waitForBatches(atThere, 2);
      expect(strip(atThere)).to.deep.equal([
        [{ collection: 'customers', id: 'c1', type: 'put', version: 1, remote: undefined }],
        [{ collection: 'customers', id: 'c1', type: 'put', version: 2, remote: true }],
      ]);
      // Both contexts write through one version check: a stale write from the other tab loses.
      const stale = await there.put('customers', { id: 'c1', name: 'stale' }, { expectedVersion: 1 }).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      expect(stale).to.equal('CRM_CONFLICT');
    } finally {
      await here.close();
      await there.close();
      frame.remove();
      await deleteDatabase(name);
    }
  });
});
