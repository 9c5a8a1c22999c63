import fc from 'fast-check';
import { CrmErrorCode, type StoragePort } from '@crmkit/core';
import { expectEqual, expectRejects } from '../expect.js';
import { withHarness, type ConformanceCase, type RawAccess } from '../harness.js';

const C = 'deals';

/** The model: what must be stored after each operation. */
type Model = Map<string, { version: number; n: number }>;
interface Real {
  storage: StoragePort;
  raw: RawAccess;
}

const ID = fc.constantFrom('a', 'b', 'c', 'd');

class Create implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: string,
    readonly n: number,
  ) {}
  check = () => true;
  async run(model: Model, { storage }: Real) {
    if (model.has(this.id)) {
      await expectRejects(
        storage.put(C, { id: this.id, n: this.n }, { expectedVersion: 0 }),
        CrmErrorCode.conflict,
        'create of existing',
      );
      return;
    }
    const stored = await storage.put(C, { id: this.id, n: this.n }, { expectedVersion: 0 });
    expectEqual([stored.version, (stored as { n?: number }).n], [1, this.n], 'created');
    model.set(this.id, { version: 1, n: this.n });
  }
  toString = () => `create(${this.id}, ${this.n})`;
}

class Update implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: string,
    readonly n: number,
    readonly versionSkew: number,
  ) {}
  check = () => true;
  async run(model: Model, { storage }: Real) {
    const current = model.get(this.id);
    // Without a record, any version ≥ 1 names a record that is not there (0 would be a create).
    const expectedVersion = current ? current.version + this.versionSkew : 1 + Math.abs(this.versionSkew);
    const write = storage.put(C, { id: this.id, n: this.n }, { expectedVersion });
    if (!current || this.versionSkew !== 0) {
      await expectRejects(write, CrmErrorCode.conflict, 'stale or missing update');
      return;
    }
    expectEqual((await write).version, current.version + 1, 'updated version');
    model.set(this.id, { version: current.version + 1, n: this.n });
  }
  toString = () => `update(${this.id}, ${this.n}, skew ${this.versionSkew})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: string,
    readonly stale: boolean,
  ) {}
  check = () => true;
  async run(model: Model, { storage }: Real) {
    const current = model.get(this.id);
    const write = storage.delete(C, this.id, this.stale ? { expectedVersion: (current?.version ?? 0) + 1 } : {});
    if (!current) {
      await expectRejects(write, CrmErrorCode.notFound, 'delete of missing');
      return;
    }
    if (this.stale) {
      await expectRejects(write, CrmErrorCode.conflict, 'stale delete');
      return;
    }
    await write;
    model.delete(this.id);
  }
  toString = () => `delete(${this.id}${this.stale ? ', stale' : ''})`;
}

class Check implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, { storage, raw }: Real) {
    const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => ({ id, ...v }));
    const rows = ((await raw.list(C)) as { id: string; version: number; n: number }[])
      .map(({ id, version, n }) => ({ id, version, n }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expectEqual(rows, expected, 'raw state');
    const page = await storage.query<{ n: number }>(C);
    expectEqual(
      page.records.map(({ id, version, n }) => ({ id, version, n })),
      expected,
      'queried state',
    );
    expectEqual(await storage.count(C), expected.length, 'count');
  }
  toString = () => 'check()';
}

const commands = [
  fc.tuple(ID, fc.integer({ min: 0, max: 9 })).map(([id, n]) => new Create(id, n)),
  fc
    .tuple(ID, fc.integer({ min: 0, max: 9 }), fc.constantFrom(0, 0, 0, -1, 1))
    .map(([id, n, skew]) => new Update(id, n, skew)),
  fc.tuple(ID, fc.boolean()).map(([id, stale]) => new Delete(id, stale)),
  fc.constant(new Check()),
];

export const modelCases: readonly ConformanceCase[] = [
  {
    name: 'random operation sequences agree with a plain Map model (200 runs)',
    async run(createHarness) {
      await withHarness(createHarness, async ({ storage, raw }) => {
        await fc.assert(
          fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
            // One store for all runs (opening one per run is slow on real engines): empty it first.
            for (const record of (await storage.query(C)).records) await storage.delete(C, record.id);
            await fc.asyncModelRun(() => ({ model: new Map(), real: { storage, raw } }), [...cmds, new Check()]);
          }),
          { numRuns: 200 },
        );
      });
    },
  },
];
