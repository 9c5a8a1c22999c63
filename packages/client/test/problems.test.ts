import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictError,
  CrmErrorCode,
  DependantsError,
  DuplicateError,
  NotFoundError,
  PermissionError,
  SchemaVersionError,
  StageGateError,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  UpgradeBlockedError,
  ValidationError,
  isCrmError,
} from '@crmkit/core';
import { createRemoteCrm } from '@crmkit/client';
import { BASE, json, problem, stubServer } from './stub.js';

// Problem answers become core's typed errors: the same class, the same code, the same structured fields. The detail
// (here a sentence holding a name and an email) never reaches a message.

async function failure(answer: () => Response): Promise<Error & Record<string, unknown>> {
  const server = stubServer(answer);
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  try {
    await crm.deals.update('d1', { title: 'x' }, { expectedVersion: 1 });
  } catch (error) {
    assert.ok(error instanceof Error);
    assert.doesNotMatch(error.message, /Alice|alice@example\.com|Secret/, 'the detail is not in the message');
    return error as Error & Record<string, unknown>;
  }
  throw new Error('did not fail');
}

const cases: readonly {
  name: string;
  status: number;
  body: Record<string, unknown>;
  type: new (...args: never[]) => Error;
  code: string;
  fields?: Record<string, unknown>;
}[] = [
  {
    name: 'validation, with its issues',
    status: 400,
    body: {
      code: 'CRM_VALIDATION',
      issues: [
        { path: ['emails', 0], message: 'Invalid email address' },
        { path: ['name'], message: 'Too short' },
        { nonsense: true },
      ],
    },
    type: ValidationError,
    code: CrmErrorCode.validation,
    fields: {
      issues: [
        { path: ['emails', 0], message: 'Invalid email address' },
        { path: ['name'], message: 'Too short' },
      ],
    },
  },
  {
    name: 'not found',
    status: 404,
    body: { code: 'CRM_NOT_FOUND', collection: 'deals', id: 'd1' },
    type: NotFoundError,
    code: CrmErrorCode.notFound,
    fields: { collection: 'deals', id: 'd1' },
  },
  {
    name: 'conflict (412)',
    status: 412,
    body: { code: 'CRM_CONFLICT', collection: 'deals', id: 'd1', expectedVersion: 1, actualVersion: 2 },
    type: ConflictError,
    code: CrmErrorCode.conflict,
    fields: { collection: 'deals', id: 'd1', expectedVersion: 1, actualVersion: 2 },
  },
  {
    name: 'conflict with the record gone',
    status: 409,
    body: { code: 'CRM_CONFLICT', collection: 'deals', id: 'd1', expectedVersion: 1, actualVersion: null },
    type: ConflictError,
    code: CrmErrorCode.conflict,
    fields: { expectedVersion: 1, actualVersion: undefined },
  },
  {
    name: 'permission',
    status: 403,
    body: { code: 'CRM_PERMISSION', action: 'deal.update' },
    type: PermissionError,
    code: CrmErrorCode.permission,
    fields: { action: 'deal.update' },
  },
  {
    name: 'stage gate',
    status: 422,
    body: {
      code: 'CRM_STAGE_GATE',
      dealId: 'd1',
      stageId: 'won',
      missingFields: ['expectedCloseDate'],
      failedConditions: [{ path: 'all.1', fields: ['amount.amountMinor'] }],
    },
    type: StageGateError,
    code: CrmErrorCode.stageGate,
    fields: {
      dealId: 'd1',
      stageId: 'won',
      missingFields: ['expectedCloseDate'],
      failedConditions: [{ path: 'all.1', fields: ['amount.amountMinor'] }],
    },
  },
  {
    name: 'dependants',
    status: 409,
    body: { code: 'CRM_HAS_DEPENDANTS', collection: 'customers', id: 'c1', dependants: { deals: 2, tasks: 1 } },
    type: DependantsError,
    code: CrmErrorCode.hasDependants,
    fields: { collection: 'customers', id: 'c1', dependants: { deals: 2, tasks: 1 } },
  },
  {
    name: 'duplicate',
    status: 409,
    body: {
      code: 'CRM_DUPLICATE',
      matches: [{ kind: 'lead', id: 'l1', score: 1, fields: ['email'], policy: 'block', rules: [] }],
    },
    type: DuplicateError,
    code: CrmErrorCode.duplicate,
    fields: { matches: [{ kind: 'lead', id: 'l1', score: 1, fields: ['email'], policy: 'block', rules: [] }] },
  },
  {
    name: 'storage',
    status: 500,
    body: { code: 'CRM_STORAGE' },
    type: StorageError,
    code: CrmErrorCode.storage,
  },
  {
    name: 'storage quota',
    status: 507,
    body: { code: 'CRM_STORAGE_QUOTA' },
    type: StorageQuotaError,
    code: CrmErrorCode.storageQuota,
  },
  {
    name: 'storage unavailable',
    status: 503,
    body: { code: 'CRM_STORAGE_UNAVAILABLE' },
    type: StorageUnavailableError,
    code: CrmErrorCode.storageUnavailable,
  },
  {
    name: 'upgrade blocked',
    status: 503,
    body: { code: 'CRM_UPGRADE_BLOCKED' },
    type: UpgradeBlockedError,
    code: CrmErrorCode.upgradeBlocked,
  },
  {
    name: 'schema version',
    status: 503,
    body: { code: 'CRM_SCHEMA_VERSION', storedVersion: 9, supportedVersion: 4 },
    type: SchemaVersionError,
    code: CrmErrorCode.schemaVersion,
    fields: { storedVersion: 9, supportedVersion: 4 },
  },
  {
    name: "an adapter's change log gap",
    status: 503,
    body: { code: 'CRM_CHANGE_LOG_GAP' },
    type: StorageError,
    code: 'CRM_CHANGE_LOG_GAP',
  },
];

for (const entry of cases) {
  test(`a problem answer maps back: ${entry.name}`, async () => {
    const error = await failure(() => problem(entry.status, entry.body));
    assert.ok(error instanceof entry.type, `an instance of ${entry.type.name}`);
    assert.equal(error.code, entry.code);
    for (const [field, value] of Object.entries(entry.fields ?? {})) assert.deepEqual(error[field], value, field);
  });
}

test("the server's own failures and answers without a code map by status", async () => {
  const byStatus: [Response, new (...args: never[]) => Error, string][] = [
    [problem(401, { code: 'CRM_UNAUTHENTICATED' }), PermissionError, CrmErrorCode.permission],
    [new Response('<html>Forbidden</html>', { status: 403 }), PermissionError, CrmErrorCode.permission],
    [problem(413, { code: 'CRM_PAYLOAD_TOO_LARGE' }), ValidationError, CrmErrorCode.validation],
    [problem(404, { code: 'CRM_ROUTE_NOT_FOUND' }), StorageError, CrmErrorCode.storage],
    [problem(500, { code: 'CRM_INTERNAL' }), StorageError, CrmErrorCode.storage],
    [problem(503, { code: 'CRM_SERVER_CLOSED' }), StorageUnavailableError, CrmErrorCode.storageUnavailable],
    [new Response('Bad gateway', { status: 502 }), StorageUnavailableError, CrmErrorCode.storageUnavailable],
    [
      new Response('{"code": 5', { status: 500, headers: { 'content-type': 'application/json' } }),
      StorageError,
      'CRM_STORAGE',
    ],
  ];
  for (const [answer, type, code] of byStatus) {
    const error = await failure(() => answer);
    assert.ok(error instanceof type, `${answer.status}: ${type.name}`);
    assert.equal(error.code, code);
    assert.ok(isCrmError(error));
  }
  const unauthenticated = await failure(() => problem(401, { code: 'CRM_UNAUTHENTICATED' }));
  assert.equal(unauthenticated['action'], 'authenticate');
});

test('the message names the route, never the ids in its path', async () => {
  const error = await failure(() => new Response('nope', { status: 500 }));
  assert.match(error.message, /PATCH \/deals\/\{id\}/);
  assert.doesNotMatch(error.message, /d1/);
});

test('an answer that is not JSON is a StorageError', async () => {
  const error = await failure(
    () => new Response('{not json', { status: 200, headers: { 'content-type': 'application/json' } }),
  );
  assert.ok(error instanceof StorageError);
  assert.equal(error.code, CrmErrorCode.storage);
});

test('a request that gets no answer is StorageUnavailableError', async () => {
  const error = await failure(() => {
    throw new TypeError('fetch failed');
  });
  assert.ok(error instanceof StorageUnavailableError);
  assert.equal(error.code, CrmErrorCode.storageUnavailable);
  assert.ok(error.cause instanceof TypeError);
});

test('a GET or POST without an answer is sent once more, a POST with the same Idempotency-Key', async () => {
  let failures = 1;
  const server = stubServer(() => {
    if (failures-- > 0) throw new TypeError('fetch failed');
    return json(201, { id: 'c1', version: 1 });
  });
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  assert.deepEqual(await crm.customers.create({ kind: 'person', name: 'A' } as never), { id: 'c1', version: 1 });
  const [first, second] = server.requests;
  assert.equal(server.requests.length, 2);
  assert.equal(first!.headers.get('idempotency-key'), second!.headers.get('idempotency-key'));

  failures = 2;
  await assert.rejects(crm.customers.list(), StorageUnavailableError);
  assert.equal(server.requests.length, 4, 'a GET is tried twice, then given up');

  failures = 1;
  await assert.rejects(crm.customers.update('c1', {}, { expectedVersion: 1 }), StorageUnavailableError);
  assert.equal(server.requests.length, 5, 'a PATCH is not sent again');
});
