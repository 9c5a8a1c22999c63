/**
 * The reference: a bare `node:http` server doing the benchmark's operations with hand-written SQL through `pg`, on
 * the tables crmkit created (one `records` table of JSONB documents), for its own tenant holding the same snapshot.
 * The fastest honest equivalent of what crmkit answers for these requests:
 *
 * - bearer tokens mapped to actors (401 without one); a rep reads the records they own or that are shared with them
 *   and moves only their own deals, an admin everything (crmkit's default policy for these two roles);
 * - `GET /{deals|customers}/{id}`: one `SELECT` by primary key, the document with `ETag: "version"` (404 when absent
 *   or outside the actor's scope);
 * - `GET /{deals|customers}?limit=&after=`: a keyset page in id order on the primary key, the rep's scope in SQL;
 * - `POST /deals/{id}/move` with `If-Match: "n"`: one statement, an `UPDATE … WHERE version = n` that also checks the
 *   stage differs, the scope and the proposal stage's gate (amount above zero, an expected close date), sets the stage,
 *   status, entry and close times, and appends the stage-history record in the same statement; when it updated nothing,
 *   one `SELECT` says why (404, 412 with the actual version, or 422);
 * - `POST /leads/capture` with `Idempotency-Key`: the answer kept per actor and key in memory (bounded, per process,
 *   as crmkit keeps it), a duplicate lookup on the match keys' GIN index and the `INSERT`, in one statement, answered
 *   as crmkit answers it (`{ lead, duplicates }`).
 *
 * What it does not do, and crmkit does: validate documents against schemas, mask personal data for reps, score and
 * assign leads by rules, write the audit log's hash chain and the change log, notify other processes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SCHEMA, announce, bearer, newPool, readSetup, type BenchActor } from './config.js';

const setup = readSetup();
const pool = newPool(setup.poolSize, setup.name);
const tokens = new Map(Object.entries(setup.tokens));
const tenant = setup.tenant;
const records = `"${SCHEMA}".records`;
const STAGE_KINDS: Readonly<Record<string, 'open' | 'won' | 'lost'>> = {
  opportunity: 'open',
  proposal: 'open',
  won: 'won',
  lost: 'lost',
};
const COLLECTIONS = new Set(['deals', 'customers']);
const MAX_LIMIT = 100;

/** Answers kept for `Idempotency-Key`, oldest first; the same bound as crmkit's default. */
const answers = new Map<string, { body: string; status: number; answer: string }>();
const MAX_ANSWERS = 10_000;
/** Leads go to the reps in turn. */
const repIds = [...new Set([...tokens.values()].filter((actor) => actor.role === 'rep').map((actor) => actor.id))];
let nextRep = 0;

const send = (response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
};

const problem = (response: ServerResponse, status: number, detail: string, extra: Record<string, unknown> = {}) =>
  send(response, status, { status, detail, ...extra });

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether the actor may read a stored document. */
const canRead = (actor: BenchActor, doc: Record<string, unknown>) =>
  actor.role === 'admin' ||
  doc['ownerId'] === actor.id ||
  (Array.isArray(doc['sharedWith']) && doc['sharedWith'].includes(actor.id));

async function getOne(actor: BenchActor, collection: string, id: string, response: ServerResponse) {
  const { rows } = await pool.query<{ doc: Record<string, unknown>; version: number }>(
    `SELECT doc, version FROM ${records} WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
    [tenant, collection, id],
  );
  const row = rows[0];
  if (!row || !canRead(actor, row.doc)) return problem(response, 404, 'Not found');
  send(response, 200, row.doc, { etag: `"${row.version}"` });
}

async function page(actor: BenchActor, collection: string, url: URL, response: ServerResponse) {
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
  const after = url.searchParams.get('after');
  const params: unknown[] = [tenant, collection, limit + 1];
  let sql = `SELECT doc FROM ${records} WHERE tenant_id = $1 AND collection = $2`;
  if (after !== null) sql += ` AND id > $${params.push(after)}`;
  if (actor.role !== 'admin') {
    const at = params.push(actor.id);
    sql += ` AND (doc ->> 'ownerId' = $${at} OR (doc -> 'sharedWith') ? $${at})`;
  }
  const { rows } = await pool.query<{ doc: Record<string, unknown> }>(`${sql} ORDER BY id LIMIT $3`, params);
  const docs = rows.slice(0, limit).map((row) => row.doc);
  const last = docs[docs.length - 1];
  send(response, 200, { records: docs, ...(rows.length > limit && last ? { next: last['id'] } : {}) });
}

const MOVE = `WITH moved AS (
    UPDATE ${records} r
    SET version = r.version + 1, updated_at = $6::timestamptz,
      doc = (r.doc - 'closedAt' - 'lostReason')
        || jsonb_build_object('stageId', $3::text, 'status', $4::text, 'stageEnteredAt', $6::text,
             'updatedAt', $6::text, 'version', r.version + 1)
        || CASE WHEN $4::text = 'open' THEN '{}'::jsonb ELSE jsonb_build_object('closedAt', $6::text) END
        || CASE WHEN $7::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('lostReason', $7::text) END
    FROM ${records} o
    WHERE r.tenant_id = $1 AND r.collection = 'deals' AND r.id = $2 AND r.version = $5
      AND o.tenant_id = $1 AND o.collection = 'deals' AND o.id = $2
      AND o.doc ->> 'stageId' IS DISTINCT FROM $3::text
      AND ($8::boolean OR o.doc ->> 'ownerId' = $9::text)
      AND ($3::text <> 'proposal' OR (o.doc ? 'expectedCloseDate' AND (o.doc #>> '{amount,amountMinor}')::numeric > 0))
    RETURNING r.doc, o.doc ->> 'stageId' AS from_stage, o.doc ->> 'pipelineId' AS pipeline_id),
  logged AS (
    INSERT INTO ${records} (tenant_id, collection, id, version, created_at, updated_at, doc)
    SELECT $1, 'stageChanges', $10, 1, $6::timestamptz, $6::timestamptz,
      jsonb_build_object('id', $10::text, 'dealId', $2::text, 'pipelineId', pipeline_id, 'fromStageId', from_stage,
        'toStageId', $3::text, 'at', $6::text, 'by', $9::text, 'version', 1, 'createdAt', $6::text, 'updatedAt', $6::text)
    FROM moved)
  SELECT doc FROM moved`;

async function move(actor: BenchActor, id: string, request: IncomingMessage, response: ServerResponse) {
  const body = JSON.parse(await readBody(request)) as { stageId?: unknown; options?: { lostReason?: unknown } };
  const stageId = body.stageId;
  const kind = typeof stageId === 'string' ? STAGE_KINDS[stageId] : undefined;
  if (kind === undefined) return problem(response, 400, 'Unknown stage');
  const lostReason = typeof body.options?.lostReason === 'string' ? body.options.lostReason : null;
  if ((kind === 'lost') !== (lostReason !== null)) return problem(response, 422, 'A lost stage needs a lost reason');
  const expected = /^"(\d+)"$/.exec(request.headers['if-match'] ?? '')?.[1];
  if (expected === undefined) return problem(response, 428, 'If-Match required');
  const at = new Date().toISOString();
  const { rows } = await pool.query<{ doc: Record<string, unknown> }>(MOVE, [
    tenant,
    id,
    stageId,
    kind,
    Number(expected),
    at,
    lostReason,
    actor.role === 'admin',
    actor.id,
    `sc-${randomUUID()}`,
  ]);
  const moved = rows[0];
  if (moved) return send(response, 200, moved.doc, { etag: `"${moved.doc['version'] as number}"` });
  // Why nothing was written.
  const found = await pool.query<{ doc: Record<string, unknown>; version: number }>(
    `SELECT doc, version FROM ${records} WHERE tenant_id = $1 AND collection = 'deals' AND id = $2`,
    [tenant, id],
  );
  const row = found.rows[0];
  if (!row || !canRead(actor, row.doc)) return problem(response, 404, 'Not found');
  if (row.version !== Number(expected)) {
    return problem(response, 412, 'Stale version', { expectedVersion: Number(expected), actualVersion: row.version });
  }
  if (actor.role !== 'admin' && row.doc['ownerId'] !== actor.id) return problem(response, 403, 'Not yours');
  return problem(response, 422, 'Same stage, or the stage gate failed');
}

const CAPTURE = `WITH duplicates AS (
    SELECT id FROM ${records}
    WHERE tenant_id = $1 AND collection IN ('leads', 'customers', 'contacts') AND (doc #> '{matchKeys}') @> $4::jsonb
    LIMIT 10),
  written AS (
    INSERT INTO ${records} (tenant_id, collection, id, version, created_at, updated_at, doc)
    VALUES ($1, 'leads', $2, 1, $3::timestamptz, $3::timestamptz, $5::jsonb)
    RETURNING doc)
  SELECT (SELECT doc FROM written) AS doc, ARRAY(SELECT id FROM duplicates) AS duplicates`;

async function capture(actor: BenchActor, request: IncomingMessage, response: ServerResponse) {
  const text = await readBody(request);
  const key = request.headers['idempotency-key'];
  const kept = typeof key === 'string' ? `${actor.id}\u0000${key}` : undefined;
  if (kept !== undefined) {
    const known = answers.get(kept);
    if (known) {
      if (known.body !== text) return problem(response, 422, 'Idempotency-Key reused with another request');
      response.writeHead(known.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
      return response.end(known.answer);
    }
  }
  const body = JSON.parse(text) as { input?: Record<string, unknown>; options?: { source?: unknown } };
  const input = body.input;
  if (typeof input !== 'object' || input === null || typeof input['name'] !== 'string') {
    return problem(response, 400, 'A lead needs a name');
  }
  const email = typeof input['email'] === 'string' ? input['email'].trim().toLowerCase() : undefined;
  const matchKeys = email ? [`email:${email}`] : [];
  const id = `lead-${randomUUID()}`;
  const at = new Date().toISOString();
  const ownerId = repIds[nextRep++ % repIds.length] ?? actor.id;
  const source = typeof body.options?.source === 'string' ? body.options.source : input['source'];
  const lead = {
    ...input,
    ...(email ? { email } : {}),
    ...(source === undefined ? {} : { source }),
    id,
    status: 'new',
    ownerId,
    score: 0,
    matchKeys,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const { rows } = await pool.query<{ doc: Record<string, unknown>; duplicates: string[] }>(CAPTURE, [
    tenant,
    id,
    at,
    JSON.stringify(matchKeys),
    JSON.stringify(lead),
  ]);
  const answer = JSON.stringify({ lead: rows[0]!.doc, duplicates: rows[0]!.duplicates });
  if (kept !== undefined) {
    answers.set(kept, { body: text, status: 201, answer });
    if (answers.size > MAX_ANSWERS) answers.delete(answers.keys().next().value!);
  }
  response.writeHead(201, { 'content-type': 'application/json', etag: '"1"' });
  response.end(answer);
}

async function route(request: IncomingMessage, response: ServerResponse) {
  const actor = tokens.get(bearer(request.headers.authorization) ?? '');
  if (!actor) return problem(response, 401, 'Unauthenticated');
  const url = new URL(request.url ?? '/', 'http://localhost');
  const [first, second, third] = url.pathname.split('/').slice(1);
  if (request.method === 'GET' && first && COLLECTIONS.has(first)) {
    return second === undefined ? page(actor, first, url, response) : getOne(actor, first, second, response);
  }
  if (request.method === 'POST' && first === 'deals' && second && third === 'move') {
    return move(actor, second, request, response);
  }
  if (request.method === 'POST' && first === 'leads' && second === 'capture') return capture(actor, request, response);
  return problem(response, 404, 'No route');
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    console.error(`[${setup.name}] unexpected failure`, error);
    if (!response.headersSent) problem(response, 500, 'Internal error');
    else response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  server.closeAllConnections();
  server.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());
