/**
 * The load: clients, each acting for one actor against one server process, that run a mix of operations until a
 * deadline, one at a time each, and record what happened. Three ways to talk to a server share one interface
 * ({@link Api}): crmkit through `createRemoteCrm` (how an application calls it), crmkit through plain `fetch` with
 * the same requests (an information row: what the client library costs), and the reference through plain `fetch`.
 *
 * The default mix (per operation; `--mix` sets another): 30 % a read of one record (a deal or a customer), 25 % a list page (deals or customers,
 * following the cursor until the last page, then from the start), 30 % a deal move, 15 % a lead capture. A move uses
 * the version the client last saw of the deal (reading it first when it has seen none) and sends it as `If-Match`;
 * on 412 (another client moved the deal first) or a refusal because the deal is in that stage already it reads the deal
 * again and retries with a stage the deal is not in, up to {@link MAX_ATTEMPTS} times. Every successful move is
 * recorded with the version it produced, for the lost-update check.
 */
import { ConflictError, DEFAULT_LOST_REASON_CODES, isCrmError, type Crm } from '@crmkit/core';
import { createRemoteCrm } from '@crmkit/client';
import { createRandom, type SeededRandom } from '@crmkit/core/testing';
import type { BenchActor } from './config.js';

/** The operations timed separately. */
export const KINDS = ['read', 'list', 'move', 'capture'] as const;
export type Kind = (typeof KINDS)[number];

/** The share of each operation in the mix; they add up to 1. */
export type Mix = Readonly<Record<Kind, number>>;
export const DEFAULT_MIX: Mix = { read: 0.3, list: 0.25, move: 0.3, capture: 0.15 };

/** `read=30,list=25,move=30,capture=15` (any scale; missing kinds are 0) as a mix. */
export function parseMix(text: string): Mix {
  const weights: Record<Kind, number> = { read: 0, list: 0, move: 0, capture: 0 };
  for (const part of text.split(',')) {
    const [kind, value] = part.split('=');
    if (!(KINDS as readonly string[]).includes(kind ?? '') || !(Number(value) >= 0)) {
      throw new Error(`--mix: expected kind=weight pairs of ${KINDS.join(', ')}, got ${part}`);
    }
    weights[kind as Kind] = Number(value);
  }
  const total = KINDS.reduce((sum, kind) => sum + weights[kind], 0);
  if (!(total > 0)) throw new Error('--mix: the weights add up to nothing');
  return Object.fromEntries(KINDS.map((kind) => [kind, weights[kind] / total])) as Mix;
}

/** How often a move is tried before the client gives up (counted; the run expects none). */
export const MAX_ATTEMPTS = 25;
const PAGE_SIZE = 25;
const STAGES = ['opportunity', 'proposal', 'won', 'lost'] as const;

/** A deal as a client saw it. */
interface Seen {
  readonly version: number;
  readonly stageId: string;
}

/**
 * The answer of a move: done, or refused as stale: `conflict` (412, the version sent is not the deal's) or `stage`
 * (the deal is in that stage already: crmkit answers 400, the reference 422).
 */
type MoveOutcome = { readonly done: Seen } | { readonly stale: 'conflict' | 'stage' };

/** What a client can do against one server. */
export interface Api {
  get(collection: 'deals' | 'customers', id: string): Promise<Seen | undefined>;
  page(
    collection: 'deals' | 'customers',
    after: string | undefined,
  ): Promise<{ deals: [string, Seen][]; next?: string }>;
  move(id: string, stageId: string, version: number, lostReason: string | undefined): Promise<MoveOutcome>;
  capture(input: Record<string, unknown>): Promise<string>;
}

/** Counts of what the servers answered, by status (every HTTP request a client made). */
export class StatusCounter {
  readonly counts = new Map<number, number>();
  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }
  total(predicate: (status: number) => boolean = () => true): number {
    let n = 0;
    for (const [status, count] of this.counts) if (predicate(status)) n += count;
    return n;
  }
}

/** A failure that is not part of the protocol's normal flow: counted as an error, with its status. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `fetch` that counts every answer's status (a network failure counts as status 0). */
function countingFetch(statuses: StatusCounter): (input: string, init: RequestInit) => Promise<Response> {
  return async (input, init) => {
    try {
      const response = await fetch(input, init);
      statuses.add(response.status);
      return response;
    } catch (error) {
      statuses.add(0);
      throw error;
    }
  };
}

const seenOf = (record: unknown): Seen => {
  const { version, stageId } = record as { version: number; stageId?: string };
  return { version, stageId: stageId ?? '' };
};

/** crmkit through `createRemoteCrm`, as an application calls it. */
export async function remoteCrmApi(url: string, token: string, statuses: StatusCounter): Promise<Api> {
  const crm: Crm = await createRemoteCrm({ url, getToken: () => token, fetch: countingFetch(statuses) });
  const service = (collection: 'deals' | 'customers') => (collection === 'deals' ? crm.deals : crm.customers);
  return {
    async get(collection, id) {
      const record = await service(collection).find(id);
      return record && seenOf(record);
    },
    async page(collection, after) {
      const page = await service(collection).list({ limit: PAGE_SIZE, ...(after ? { after } : {}) });
      return {
        deals: collection === 'deals' ? page.records.map((record) => [record.id, seenOf(record)]) : [],
        ...(page.next ? { next: page.next } : {}),
      };
    },
    async move(id, stageId, version, lostReason) {
      try {
        const deal = await crm.deals.moveToStage(id, stageId, {
          expectedVersion: version,
          ...(lostReason ? { lostReason } : {}),
        });
        return { done: seenOf(deal) };
      } catch (error) {
        if (error instanceof ConflictError) return { stale: 'conflict' };
        if (isCrmError(error) && error.code === 'CRM_VALIDATION') return { stale: 'stage' };
        throw error;
      }
    },
    async capture(input) {
      const result = await crm.leads.capture(input as never, { source: 'web' });
      return result.lead.id;
    },
  };
}

/** JSON of an answer, or {@link UnexpectedAnswer} for a status not in `expected`. */
async function answer(response: Response, expected: readonly number[], label: string): Promise<unknown> {
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new UnexpectedAnswer(response.status, `${label}: ${response.status} ${text.slice(0, 200)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * The same requests over plain `fetch`, to crmkit (`dialect: 'crmkit'`: list options as the JSON of `q`) or to the
 * reference (`limit` and `after` parameters). Both send `Idempotency-Key` on a capture, as `createRemoteCrm` does.
 */
export function fetchApi(url: string, token: string, statuses: StatusCounter, dialect: 'crmkit' | 'reference'): Api {
  const call = countingFetch(statuses);
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const json = { ...headers, 'content-type': 'application/json' };
  return {
    async get(collection, id) {
      const response = await call(`${url}/${collection}/${encodeURIComponent(id)}`, { headers });
      const record = await answer(response, [200, 404], `GET ${collection}`);
      return response.status === 404 || record === null ? undefined : seenOf(record);
    },
    async page(collection, after) {
      const query =
        dialect === 'crmkit'
          ? `q=${encodeURIComponent(JSON.stringify({ limit: PAGE_SIZE, ...(after ? { after } : {}) }))}`
          : `limit=${PAGE_SIZE}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const response = await call(`${url}/${collection}?${query}`, { headers });
      const page = (await answer(response, [200], `list ${collection}`)) as {
        records: { id: string }[];
        next?: string;
      };
      return {
        deals: collection === 'deals' ? page.records.map((record) => [record.id, seenOf(record)]) : [],
        ...(page.next ? { next: page.next } : {}),
      };
    },
    async move(id, stageId, version, lostReason) {
      const response = await call(`${url}/deals/${encodeURIComponent(id)}/move`, {
        method: 'POST',
        headers: { ...json, 'if-match': `"${version}"` },
        body: JSON.stringify({ stageId, ...(lostReason ? { options: { lostReason } } : {}) }),
      });
      const body = await answer(response, [200, 400, 412, 422], 'move');
      if (response.status === 412) return { stale: 'conflict' };
      if (response.status !== 200) return { stale: 'stage' };
      return { done: seenOf(body) };
    },
    async capture(input) {
      const response = await call(`${url}/leads/capture`, {
        method: 'POST',
        headers: { ...json, 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ input, options: { source: 'web' } }),
      });
      return ((await answer(response, [201], 'capture')) as { lead: { id: string } }).lead.id;
    },
  };
}

/** What a client may touch: the deals and customers its actor reads, and the deals it may move. */
export interface Reach {
  readonly readableDeals: readonly string[];
  readonly customers: readonly string[];
  readonly movableDeals: readonly string[];
  /** The movable deals many clients move (contention on purpose). */
  readonly hotDeals: readonly string[];
}

/** A successful move as a client saw it: the deal, the version the move produced and the stage it entered. */
export interface MoveRecord {
  readonly dealId: string;
  readonly version: number;
  readonly stageId: string;
}

/** Everything one phase (all clients of a contender until a deadline) recorded. */
export class PhaseStats {
  readonly latencies: Record<Kind, number[]> = { read: [], list: [], move: [], capture: [] };
  /** A move from its first request to its success, re-reads and retries included. */
  readonly moveEndToEnd: number[] = [];
  operations = 0;
  conflicts = 0;
  /** 412s after which the deal was found at the very version the client had sent: the conflict was elsewhere. */
  spuriousConflicts = 0;
  staleStage = 0;
  retries = 0;
  gaveUp = 0;
  readonly errors: string[] = [];
  errorCount = 0;
  /** Failed operations by kind. */
  readonly failed: Record<Kind, number> = { read: 0, list: 0, move: 0, capture: 0 };
  started = 0;
  ended = 0;
  readonly statuses = new StatusCounter();
}

/** What every phase of a contender adds to: the writes its clients made, across phases (warm-up included). */
export interface WriteLog {
  readonly moves: MoveRecord[];
  readonly captures: string[];
}

/** One client: its actor, its server's API and what it saw. */
export class Client {
  readonly #api: Api;
  readonly #reach: Reach;
  readonly #random: SeededRandom;
  readonly #seen = new Map<string, Seen>();
  readonly #cursors: Record<'deals' | 'customers', string | undefined> = { deals: undefined, customers: undefined };
  readonly #tag: string;
  #captured = 0;

  constructor(
    readonly name: string,
    readonly actor: BenchActor,
    api: Api,
    reach: Reach,
    seed: number,
    readonly hotShare: number,
    readonly mix: Mix = DEFAULT_MIX,
  ) {
    this.#api = api;
    this.#reach = reach;
    this.#random = createRandom(seed);
    this.#tag = `${name}-${seed}`;
  }

  /** Runs operations until `deadline` (ms, `performance.now()`), recording into `stats` and `writes`. */
  async run(deadline: number, stats: PhaseStats, writes: WriteLog): Promise<void> {
    while (performance.now() < deadline) {
      const draw = this.#random.next();
      let kind: Kind = 'capture';
      for (let i = 0, bound = 0; i < KINDS.length; i++) {
        bound += this.mix[KINDS[i]!];
        if (draw < bound) {
          kind = KINDS[i]!;
          break;
        }
      }
      const started = performance.now();
      try {
        if (kind === 'read') await this.#read();
        else if (kind === 'list') await this.#list();
        else if (kind === 'move') await this.#move(stats, writes, started);
        else await this.#capture(writes);
        stats.latencies[kind].push(performance.now() - started);
        stats.operations++;
      } catch (error) {
        stats.errorCount++;
        stats.failed[kind]++;
        if (stats.errors.length < 20) {
          stats.errors.push(`${this.name} ${kind}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  #pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.#random.next() * list.length)]!;
  }

  async #read(): Promise<void> {
    const deal = this.#random.next() < 0.5;
    const list = deal ? this.#reach.readableDeals : this.#reach.customers;
    const id = this.#pick(list);
    const seen = await this.#api.get(deal ? 'deals' : 'customers', id);
    if (deal && seen) this.#seen.set(id, seen);
  }

  async #list(): Promise<void> {
    const collection = this.#random.next() < 0.5 ? 'deals' : 'customers';
    const page = await this.#api.page(collection, this.#cursors[collection]);
    this.#cursors[collection] = page.next;
    for (const [id, seen] of page.deals) this.#seen.set(id, seen);
  }

  async #move(stats: PhaseStats, writes: WriteLog, started: number): Promise<void> {
    const hot = this.#reach.hotDeals.length > 0 && this.#random.next() < this.hotShare;
    const id = this.#pick(hot ? this.#reach.hotDeals : this.#reach.movableDeals);
    let seen = this.#seen.get(id) ?? (await this.#reread(id));
    for (let attempt = 1; ; attempt++) {
      const target = this.#pick(STAGES.filter((stage) => stage !== seen.stageId));
      const lostReason = target === 'lost' ? this.#pick(DEFAULT_LOST_REASON_CODES) : undefined;
      const outcome = await this.#api.move(id, target, seen.version, lostReason);
      if ('done' in outcome) {
        this.#seen.set(id, outcome.done);
        writes.moves.push({ dealId: id, version: outcome.done.version, stageId: outcome.done.stageId });
        stats.moveEndToEnd.push(performance.now() - started);
        return;
      }
      if (outcome.stale === 'conflict') stats.conflicts++;
      else stats.staleStage++;
      if (attempt >= MAX_ATTEMPTS) {
        stats.gaveUp++;
        return;
      }
      stats.retries++;
      const sent = seen.version;
      seen = await this.#reread(id);
      if (outcome.stale === 'conflict' && seen.version === sent) stats.spuriousConflicts++;
    }
  }

  async #reread(id: string): Promise<Seen> {
    const seen = await this.#api.get('deals', id);
    if (!seen) throw new Error(`deal ${id} is not readable`);
    this.#seen.set(id, seen);
    return seen;
  }

  async #capture(writes: WriteLog): Promise<void> {
    const n = ++this.#captured;
    const id = await this.#api.capture({
      name: `Load ${this.#tag} ${n}`,
      email: `load-${this.#tag}-${n}@example.com`,
      company: `Bench Trading ${n % 97}`,
    });
    writes.captures.push(id);
  }
}

/** Runs every client until `seconds` have passed; the phase's stats. */
export async function runPhase(clients: readonly Client[], seconds: number, writes: WriteLog): Promise<PhaseStats> {
  const stats = new PhaseStats();
  stats.started = performance.now();
  const deadline = stats.started + seconds * 1000;
  await Promise.all(clients.map((client) => client.run(deadline, stats, writes)));
  stats.ended = performance.now();
  return stats;
}
