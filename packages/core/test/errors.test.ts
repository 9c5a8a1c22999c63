import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod/mini';
import {
  ConflictError,
  CrmError,
  CrmErrorCode,
  NotFoundError,
  PermissionError,
  SchemaVersionError,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  UpgradeBlockedError,
  ValidationError,
  isCrmError,
  parseOrThrow,
} from '@crmkit/core';

test('every error extends CrmError and carries its stable code', () => {
  const cases: [CrmError, string][] = [
    [new ValidationError([{ path: ['name'], message: 'Required' }]), 'CRM_VALIDATION'],
    [new NotFoundError('customers', 'c1'), 'CRM_NOT_FOUND'],
    [new ConflictError('customers', 'c1', 1, 2), 'CRM_CONFLICT'],
    [new StorageError('disk full', { cause: new Error('ENOSPC') }), 'CRM_STORAGE'],
    [new PermissionError('deals.delete'), 'CRM_PERMISSION'],
  ];
  for (const [error, code] of cases) {
    assert.ok(error instanceof CrmError);
    assert.ok(error instanceof Error);
    assert.equal(error.code, code);
    assert.equal(error.name, error.constructor.name);
    assert.ok(isCrmError(error));
    assert.ok(isCrmError(error, error.code));
  }
});

test('isCrmError recognises errors by code, not by class identity', () => {
  const foreign = Object.assign(new Error('from another bundle'), { code: CrmErrorCode.conflict });
  assert.ok(isCrmError(foreign, CrmErrorCode.conflict));
  assert.ok(!isCrmError(foreign, CrmErrorCode.notFound));
  assert.ok(!isCrmError(new Error('plain')));
  assert.ok(!isCrmError(null));
  assert.ok(!isCrmError({ code: 'ENOENT' }));
});

test('StorageError keeps the engine error as cause', () => {
  const engine = new Error('QuotaExceededError');
  assert.equal(new StorageError('write failed', { cause: engine }).cause, engine);
});

test('parseOrThrow names every offending field and never echoes the input', () => {
  const schema = z.object({ name: z.string(), emails: z.array(z.email()) });
  const secret = 'not-an-email-but-private@@example';
  assert.throws(
    () => parseOrThrow(schema, { name: 42, emails: [secret] }, 'customer'),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields.sort(), ['emails.0', 'name']);
      assert.match(error.message, /^Invalid customer: /);
      assert.ok(!error.message.includes(secret), 'message must not contain the value');
      return true;
    },
  );
});

test('parseOrThrow strips unknown keys', () => {
  const schema = z.object({ name: z.string() });
  assert.deepEqual(parseOrThrow(schema, { name: 'Ada', admin: true }), { name: 'Ada' });
});

test('ConflictError reports both versions', () => {
  const error = new ConflictError('deals', 'd1', 3, undefined);
  assert.equal(error.expectedVersion, 3);
  assert.equal(error.actualVersion, undefined);
  assert.match(error.message, /version none, not 3/);
});

test('storage failures hosts handle have their own classes and codes, and are StorageErrors', () => {
  const cases: [StorageError, string][] = [
    [new StorageQuotaError(), 'CRM_STORAGE_QUOTA'],
    [new StorageUnavailableError('IndexedDB is disabled'), 'CRM_STORAGE_UNAVAILABLE'],
    [new UpgradeBlockedError(), 'CRM_UPGRADE_BLOCKED'],
    [new SchemaVersionError(30, 20), 'CRM_SCHEMA_VERSION'],
  ];
  for (const [error, code] of cases) {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, code);
    assert.ok(isCrmError(error, error.code));
  }
  const tooNew = new SchemaVersionError(30, 20);
  assert.equal(tooNew.storedVersion, 30);
  assert.equal(tooNew.supportedVersion, 20);
});
