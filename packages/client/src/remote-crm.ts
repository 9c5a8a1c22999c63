/**
 * `createRemoteCrm`: the `Crm` interface over HTTP. Every method the protocol routes sends the request its route says
 * and answers what the server's service answered (or throws the same typed error); the few that are not routed are
 * built here from routed ones (`find`), from the change stream (`subscribe`, `aggregates.onRefreshed`), from core's
 * pure functions (`segments.segmentsOf`), or refuse clearly (`as`, `reminders`). See the README for each decision.
 */
import {
  CUSTOM_FIELDS_COLLECTION,
  CrmErrorCode,
  NotFoundError,
  PermissionError,
  compileSegment,
  isCrmError,
  type ChangeListener,
  type Crm,
  type CustomerStats,
  type EntityService,
  type Segment,
  type SegmentPredicate,
} from '@crmkit/core';
import { ChangeStream, DEFAULT_HEARTBEAT_MS, IDLE_HEARTBEATS } from './changes.js';
import { checkOptions, readSession, type RemoteCrmOptions } from './options.js';
import { buildRequest, routeOf, shadowingRoute } from './requests.js';
import { createTransport } from './transport.js';

/** The methods every entity service has, all routed but `find`. */
type EntityMethod = 'create' | 'get' | 'find' | 'update' | 'remove' | 'list' | 'count';
type AnyEntityService = EntityService<never, unknown, never>;

/** A `Crm` over HTTP: the `Crm` interface, with `dispose()` closing the change stream. */
export type RemoteCrm = Crm;

/**
 * Connects to a `@crmkit/server` handler: reads `GET /session` (who the server acts for, the CRM's settings) and
 * resolves to a `Crm` whose services call the server, so the elements work on it unchanged. Rejects with
 * `ValidationError` for bad options, with `PermissionError` when the server refuses the user, and with
 * `StorageUnavailableError` when the server cannot be reached.
 */
export async function createRemoteCrm(options: RemoteCrmOptions): Promise<RemoteCrm> {
  const checked = checkOptions(options);
  const transport = createTransport(checked);
  const inFlight = new Set<Promise<unknown>>();
  /** Sends a request and keeps it in `inFlight` until it settles, so `dispose()` can wait for it. */
  const tracked = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  };
  const session = readSession(await transport.send({ verb: 'GET', path: '/session', label: 'GET /session' }));
  // The session's position is where the stream starts, whenever the first listener subscribes: a change committed
  // after `subscribe()` but before the stream opens still arrives (see changes.ts).
  const heartbeatMs = session.changes.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const stream = new ChangeStream(
    transport,
    {
      minDelay: checked.minDelay,
      maxDelay: checked.maxDelay,
      idleTimeout: checked.idleTimeout ?? Math.ceil(heartbeatMs * IDLE_HEARTBEATS),
    },
    session.changes.position,
  );

  /** The method `service.method` as its route carries it; typed by where it is put. */
  const remote = <F>(service: string, method: string): F => {
    const route = routeOf(service, method);
    const call = (...args: unknown[]): Promise<unknown> =>
      tracked(Promise.resolve().then(() => transport.send(buildRequest(route, args))));
    return call as F;
  };
  /** A `getMany`: JSON has no `undefined`, so a missing record comes as `null` and is put back as `undefined`. */
  const remoteMany = <F>(service: string, method: string): F => {
    const call = remote<(...args: unknown[]) => Promise<unknown>>(service, method);
    const many = async (...args: unknown[]) => {
      const answer = await call(...args);
      return Array.isArray(answer) ? answer.map((item: unknown) => item ?? undefined) : answer;
    };
    return many as F;
  };
  /** The entity methods of a service: the routed ones, and `find` as `get` with a missing record as `undefined`. */
  const entity = <S extends Pick<AnyEntityService, EntityMethod>>(service: string): Pick<S, EntityMethod> => {
    const direct = remote<(id: string) => Promise<unknown>>(service, 'get');
    const route = routeOf(service, 'get');
    const [first] = route.path.split('/').slice(1);
    const collection = service === 'customFields' ? CUSTOM_FIELDS_COLLECTION : service;
    /** `get`, through `GET /records/…` for an id the server reads as another route (`count`, `overdue`). */
    const get = async (id: string) => {
      if (typeof id !== 'string' || !shadowingRoute(route, [first!, id])) return direct(id);
      const record = await readRecord(collection, id);
      if (record === undefined) throw new NotFoundError(collection, id);
      return record;
    };
    const methods = {
      create: remote(service, 'create'),
      get,
      async find(id: string) {
        try {
          return await get(id);
        } catch (error) {
          if (isCrmError(error, CrmErrorCode.notFound)) return undefined;
          throw error;
        }
      },
      update: remote(service, 'update'),
      remove: remote(service, 'remove'),
      list: remote(service, 'list'),
      count: remote(service, 'count'),
    };
    return methods as unknown as Pick<S, EntityMethod>;
  };
  const readRecord = remote<Crm['records']['get']>('records', 'get');
  const settled = remote<() => Promise<void>>('', 'settled');

  const crm: Crm = {
    customers: {
      ...entity<Crm['customers']>('customers'),
      view360: remote('customers', 'view360'),
      // The server's configuration, from the session (core's default from a server that sends none).
      lifecycle: session.lifecycle,
      setLifecycleStage: remote('customers', 'setLifecycleStage'),
      lifecycleHistory: remote('customers', 'lifecycleHistory'),
      applyLifecycleRules: remote('customers', 'applyLifecycleRules'),
      sweepLifecycle: remote('customers', 'sweepLifecycle'),
    },
    segments: {
      ...entity<Crm['segments']>('segments'),
      members: remote('segments', 'members'),
      memberIds: remote('segments', 'memberIds'),
      size: remote('segments', 'size'),
      overlaps: remote('segments', 'overlaps'),
      explain: remote('segments', 'explain'),
      segmentsOf: segmentsOf(),
    },
    aggregates: {
      get: remote('aggregates', 'get'),
      getMany: remoteMany('aggregates', 'getMany'),
      refresh: remote('aggregates', 'refresh'),
      refreshRfm: remote('aggregates', 'refreshRfm'),
      settled,
      onRefreshed: (listener) => stream.subscribe(refreshedFrom(listener)),
      dispose: () => undefined, // the aggregates are the server's: nothing runs here
    },
    contacts: entity<Crm['contacts']>('contacts'),
    leads: {
      ...entity<Crm['leads']>('leads'),
      capture: remote('leads', 'capture'),
      findDuplicates: remote('leads', 'findDuplicates'),
      merge: remote('leads', 'merge'),
      mergeIntoCustomer: remote('leads', 'mergeIntoCustomer'),
      score: remote('leads', 'score'),
      rescore: remote('leads', 'rescore'),
      rescoreAll: remote('leads', 'rescoreAll'),
      assign: remote('leads', 'assign'),
      qualify: remote('leads', 'qualify'),
      disqualify: remote('leads', 'disqualify'),
      convert: remote('leads', 'convert'),
      sla: remote('leads', 'sla'),
      overdue: remote('leads', 'overdue'),
      settled,
      whenIdle: settled,
      dispose: () => undefined, // re-scoring runs on the server
    },
    deals: {
      ...entity<Crm['deals']>('deals'),
      moveToStage: remote('deals', 'moveToStage'),
      history: remote('deals', 'history'),
    },
    pipelines: {
      ...entity<Crm['pipelines']>('pipelines'),
      ensureDefault: remote('pipelines', 'ensureDefault'),
      rename: remote('pipelines', 'rename'),
      addStage: remote('pipelines', 'addStage'),
      updateStage: remote('pipelines', 'updateStage'),
      reorderStages: remote('pipelines', 'reorderStages'),
      removeStage: remote('pipelines', 'removeStage'),
    },
    activities: {
      ...entity<Crm['activities']>('activities'),
      log: remote('activities', 'log'),
      timeline: remote('activities', 'timeline'),
    },
    tasks: {
      ...entity<Crm['tasks']>('tasks'),
      complete: remote('tasks', 'complete'),
      reopen: remote('tasks', 'reopen'),
      snooze: remote('tasks', 'snooze'),
      overdue: remote('tasks', 'overdue'),
      dueToday: remote('tasks', 'dueToday'),
    },
    users: entity<Crm['users']>('users'),
    teams: entity<Crm['teams']>('teams'),
    customFields: entity<Crm['customFields']>('customFields'),
    reports: {
      funnel: remote('reports', 'funnel'),
      forecast: remote('reports', 'forecast'),
      salesTrend: remote('reports', 'salesTrend'),
      leadSources: remote('reports', 'leadSources'),
      performance: remote('reports', 'performance'),
      addCost: remote('reports', 'addCost'),
      removeCost: remote('reports', 'removeCost'),
      listCosts: remote('reports', 'listCosts'),
      setQuota: remote('reports', 'setQuota'),
      listQuotas: remote('reports', 'listQuotas'),
    },
    reminders() {
      throw new Error(
        'crm.reminders() is not available on a remote CRM: reminders are scheduled where the storage is, on the server',
      );
    },
    lostReasons: session.lostReasons,
    audit: {
      list: remote('audit', 'list'),
      verify: remote('audit', 'verify'),
      head: remote('audit', 'head'),
    },
    records: {
      get: remote('records', 'get'),
      getMany: remoteMany('records', 'getMany'),
    },
    backup: {
      export: remote('backup', 'export'),
      restore: remote('backup', 'restore'),
    },
    subscribe: (listener: ChangeListener) => stream.subscribe(listener),
    async as() {
      throw new PermissionError(
        'crm.as',
        'Not permitted: crm.as on a remote CRM, where the server decides who acts (sign in as the other user)',
      );
    },
    actor: session.actor,
    timeZone: session.timeZone,
    currency: session.currency,
    ...(session.defaultRegion === undefined ? {} : { defaultRegion: session.defaultRegion }),
    exchangeRates: session.exchangeRates,
    settled,
    // Domain events stay on the server (its webhooks and automations see them); no element listens to them.
    on: () => () => undefined,
    async dispose() {
      stream.dispose();
      await Promise.allSettled([...inFlight]);
    },
  };
  return crm;
}

/**
 * `segments.segmentsOf`: which of the given saved segments a customer is a member of, decided here with core's pure
 * segment compiler (as a local CRM does), the compiled predicates kept per segment version and minute.
 */
function segmentsOf(): Crm['segments']['segmentsOf'] {
  const cache = new Map<string, { version: number; minute: number; predicate: SegmentPredicate }>();
  return (customer, stats: CustomerStats | undefined, segments: readonly Segment[]) => {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000);
    return segments.filter((segment) => {
      if (segment.entity !== 'customer') return false;
      let hit = cache.get(segment.id);
      if (!hit || hit.version !== segment.version || hit.minute !== minute) {
        hit = { version: segment.version, minute, predicate: compileSegment(segment.filter, { now }) };
        cache.set(segment.id, hit);
      }
      return hit.predicate(customer, stats);
    });
  };
}

/**
 * `aggregates.onRefreshed` over the change stream: the listener runs for each customer aggregate the server rewrote
 * (the trigger is not carried: `undefined`); a reset batch names no customer and is skipped.
 */
function refreshedFrom(listener: Parameters<Crm['aggregates']['onRefreshed']>[0]): ChangeListener {
  if (typeof listener !== 'function') throw new TypeError('onRefreshed expects a function');
  return (events) => {
    for (const event of events) {
      if (event.collection !== 'customerStats' || event.type !== 'put' || event.version === undefined) continue;
      void Promise.resolve()
        .then(() => listener(event.id, undefined))
        .catch((error: unknown) =>
          queueMicrotask(() => {
            throw error;
          }),
        );
    }
  };
}
