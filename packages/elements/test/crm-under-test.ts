/**
 * The CRM the element tests run against, local or remote: the runner runs the tests of the board, the 360 card and
 * the lead form twice (web-test-runner.config.mjs), once in its default group with a CRM over core's memory storage in
 * the page, and once in its `remote` group with `createRemoteCrm` talking over real HTTP to a `createCrmHandler` over
 * a memory storage in the runner's Node process (scripts/wtr-crm-server.mjs). The tests are the same: the elements
 * must work on either unchanged.
 *
 * A test opens a {@link TestBackend} — the storage and the clock the CRMs share — and CRMs over it, one per actor:
 * in the remote mode each is a client signed in as that actor, and the server's access policy applies to it.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import {
  createCrm,
  createMemoryStorage,
  type Crm,
  type CrmActor,
  type StoragePort,
  type StorageSnapshot,
} from '@crmkit/core';
import { createRemoteCrm, type RemoteFetch } from '@crmkit/client';

/** Which CRM the page runs against: `remote` in the runner's `remote` group (its page sets the flag), else `local`. */
export const crmMode: 'local' | 'remote' =
  (globalThis as { __CRMKIT_TEST_CRM__?: unknown }).__CRMKIT_TEST_CRM__ === 'remote' ? 'remote' : 'local';
export const remote = crmMode === 'remote';

/** A CRM clock: a fixed instant, or one that reads `stepMs` later each time (the first reading `start + stepMs`). */
export type TestClock = Date | { readonly start: Date; readonly stepMs: number };

export interface TestBackendOptions {
  /** The records to start from, imported into the fresh storage (as `storage.importSnapshot`). */
  readonly snapshot?: StorageSnapshot;
  /** The clock of every CRM opened over the backend; the real one by default. */
  readonly clock?: TestClock;
  /** The storage's own clock (`createMemoryStorage({ now })`), fixed at this instant. */
  readonly storageNow?: Date;
}

/**
 * What tests do straight to the storage the CRMs work over (as an import or a rule would leave records, or to read
 * back what was stored): the page's own memory storage, or the server's.
 */
export type TestStorage = Pick<StoragePort, 'get' | 'query' | 'put' | 'exportSnapshot' | 'importSnapshot'>;

export interface OpenCrmOptions {
  /** The CRM hears no changes: its storage's change feed (local) or the server's change stream (remote) is cut. */
  readonly deaf?: boolean;
  /** Local: wraps the storage port the CRM is created over (to make it fail, stall or count its reads). */
  readonly storage?: (port: StoragePort) => StoragePort;
  /** Remote: wraps the client's `fetch`, the network's counterpart of {@link storage}. */
  readonly fetch?: (send: RemoteFetch) => RemoteFetch;
}

/** One storage and clock, and the CRMs opened over them. */
export interface TestBackend {
  readonly storage: TestStorage;
  /** A CRM acting as `actor` over the backend. */
  open(actor: CrmActor, options?: OpenCrmOptions): Promise<Crm>;
}

const clockOf = (clock: TestClock | undefined): (() => Date) | undefined => {
  if (clock === undefined) return undefined;
  if (clock instanceof Date) return () => clock;
  let at = clock.start.getTime();
  return () => new Date((at += clock.stepMs));
};

async function localBackend(options: TestBackendOptions): Promise<TestBackend> {
  const { storageNow } = options;
  const storage = createMemoryStorage(storageNow ? { now: () => storageNow } : {});
  if (options.snapshot) await storage.importSnapshot(options.snapshot);
  const clock = clockOf(options.clock);
  return {
    storage,
    open: (actor, open = {}) => {
      const port = open.storage ? open.storage(storage) : storage;
      return createCrm({
        storage: open.deaf ? { ...port, subscribe: () => () => undefined } : port,
        actor,
        ...(clock ? { clock } : {}),
      });
    },
  };
}

/** Servers and CRMs the current test opened, closed after it (a change stream left open holds a connection). */
const opened: { urls: string[]; crms: Crm[] } = { urls: [], crms: [] };

async function command<T>(payload: Record<string, unknown>): Promise<T> {
  return (await executeServerCommand<T, Record<string, unknown>>('crm-server', payload)) as T;
}

async function remoteBackend(options: TestBackendOptions): Promise<TestBackend> {
  const { clock } = options;
  const { url } = await command<{ url: string }>({
    op: 'open',
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    ...(options.storageNow ? { storageNow: options.storageNow.getTime() } : {}),
    ...(clock === undefined
      ? {}
      : {
          clock: clock instanceof Date ? { at: clock.getTime() } : { at: clock.start.getTime(), stepMs: clock.stepMs },
        }),
  });
  opened.urls.push(url);
  const call =
    (method: keyof TestStorage) =>
    async (...args: unknown[]): Promise<never> => {
      const { value } = await command<{ value: unknown }>({ op: 'storage', url, method, args });
      return (value === null ? undefined : value) as never;
    };
  const storage = {
    get: call('get'),
    query: call('query'),
    put: call('put'),
    exportSnapshot: call('exportSnapshot'),
    importSnapshot: call('importSnapshot'),
  } as TestStorage;
  return {
    storage,
    async open(actor, open = {}) {
      const token = encodeURIComponent(JSON.stringify({ id: actor.id, role: actor.role }));
      const send: RemoteFetch = (input, init) => fetch(input, init);
      const crm = await createRemoteCrm({ url, getToken: () => token, fetch: open.fetch ? open.fetch(send) : send });
      opened.crms.push(crm);
      if (!open.deaf) return crm;
      return {
        ...crm,
        subscribe: () => () => undefined,
        aggregates: { ...crm.aggregates, onRefreshed: () => () => undefined },
      };
    },
  };
}

/** A fresh storage (and clock) for CRMs to share: in the page, or on the test server. */
export function openBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  return remote ? remoteBackend(options) : localBackend(options);
}

/** A CRM acting as `actor` over a fresh backend of its own. */
export async function openTestCrm(options: TestBackendOptions & { readonly actor: CrmActor }): Promise<Crm> {
  return (await openBackend(options)).open(options.actor);
}

if (remote) {
  // Mocha's root hook: after every test of a file that imports this module, its remote CRMs are disposed (closing
  // their change streams) and their servers closed, whatever the test itself disposed.
  afterEach(async () => {
    const { urls, crms } = opened;
    opened.urls = [];
    opened.crms = [];
    // Not awaited: dispose() waits for requests in flight, and a test may have left one stalled on purpose.
    for (const crm of crms) void crm.dispose();
    await Promise.all(urls.map((url) => command({ op: 'close', url })));
  });
}

/**
 * `describe` for what only a local CRM can be given (an IndexedDB storage): there is nothing remote to run, so the
 * remote run leaves it out (each use says why).
 */
export const describeLocal = (title: string, suite: (this: Mocha.Suite) => void): void => {
  if (!remote) describe(title, suite);
};
