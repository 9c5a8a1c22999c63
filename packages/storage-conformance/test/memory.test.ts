import { test } from 'node:test';
import { createMemoryStorage, type MemoryData } from '@crmkit/core';
import { runStorageConformance } from '@crmkit/storage-conformance';

// The reference adapter passes the suite; raw reads go straight to its backing maps.
runStorageConformance({
  test,
  createHarness: async ({ now }) => {
    const data: MemoryData = new Map();
    let read = 0;
    return {
      storage: createMemoryStorage({ data, now, onRead: (records) => (read += records) }),
      recordsRead: () => read,
      raw: {
        get: async (collection, id) => data.get(collection)?.get(id),
        list: async (collection) => [...(data.get(collection)?.values() ?? [])],
      },
    };
  },
});
