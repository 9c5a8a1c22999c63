import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRM_INDEXES, createMemoryStorage, type MemoryData, type StoragePort } from '@crmkit/core';
import { storageConformanceCases, type HarnessFactory } from '@crmkit/storage-conformance';

// The suite must be able to fail: adapters with known bugs are caught by the case aimed at that bug.

function harnessFor(wrap: (storage: StoragePort) => StoragePort): HarnessFactory {
  return async ({ now }) => {
    const data: MemoryData = new Map();
    return {
      storage: wrap(createMemoryStorage({ data, now })),
      raw: {
        get: async (collection, id) => data.get(collection)?.get(id),
        list: async (collection) => [...(data.get(collection)?.values() ?? [])],
      },
    };
  };
}

function caseNamed(fragment: string) {
  const found = storageConformanceCases.find((c) => c.name.includes(fragment));
  assert.ok(found, `no case mentions ${fragment}`);
  return found;
}

test('an adapter that ignores expected versions fails the stale-write case', async () => {
  const lossy = harnessFor((inner) => ({
    ...inner,
    async put(collection, record) {
      const current = await inner.get(collection, record.id);
      return inner.put(collection, record, { expectedVersion: current?.version ?? 0 });
    },
  }));
  await assert.rejects(caseNamed('stale write').run(lossy), { name: 'ConformanceFailure' });
});

test('an adapter that hands out its stored objects fails the copy case', async () => {
  // Stores and returns the very same mutable objects, neither copied nor frozen.
  const rows = new Map<string, unknown>();
  const leaky: HarnessFactory = async ({ now }) => {
    const inner = createMemoryStorage({ now });
    return {
      storage: {
        ...inner,
        async put(collection, record, options) {
          const stored = structuredClone(await inner.put(collection, record, options));
          rows.set(`${collection}/${record.id}`, stored);
          return stored as never;
        },
        async get(collection, id) {
          return rows.get(`${collection}/${id}`) as never;
        },
      },
      raw: {
        get: async (collection, id) => rows.get(`${collection}/${id}`),
        list: async () => [...rows.values()],
      },
    };
  };
  await assert.rejects(caseNamed('copies').run(leaky), { name: 'ConformanceFailure' });
});

test('an adapter that forgets to delete fails the delete case', async () => {
  const sticky = harnessFor((inner) => ({ ...inner, async delete() {} }));
  await assert.rejects(caseNamed('delete removes').run(sticky), { name: 'ConformanceFailure' });
});

test('case names are unique', () => {
  const names = storageConformanceCases.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
});

test('an adapter that declares indexes but reads the whole collection fails the index cases', async () => {
  // The reference adapter without field indexes (it keeps its primary key), claiming the CRM's design.
  const scanning: HarnessFactory = async ({ now }) => {
    const data: MemoryData = new Map();
    let read = 0;
    const inner = createMemoryStorage({ data, now, indexes: {}, onRead: (records) => (read += records) });
    return {
      storage: { ...inner, capabilities: { ...inner.capabilities, indexes: CRM_INDEXES } },
      recordsRead: () => read,
      raw: {
        get: async (collection, id) => data.get(collection)?.get(id),
        list: async (collection) => [...(data.get(collection)?.values() ?? [])],
      },
    };
  };
  for (const name of ['ordered by an indexed field', 'equality on an indexed field', 'in and hasAny'])
    await assert.rejects(caseNamed(name).run(scanning), { name: 'ConformanceFailure' }, name);
});
