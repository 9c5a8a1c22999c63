import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { CrmErrorCode, ValidationError } from '@crmkit/core';
import {
  FILTER_OPERATORS,
  compileFilter,
  filterFields,
  filterSchema,
  getPath,
  parseFilter,
  type Filter,
} from '@crmkit/core';

const now = new Date('2026-03-01T12:00:00.000Z');
const matches = (filter: Filter, record: unknown): boolean => compileFilter(filter, { now })(record);

/** Asserts that `filter` is rejected with a ValidationError naming exactly `fields`. */
function assertRejected(filter: unknown, fields: string[]): void {
  assert.throws(
    () => parseFilter(filter),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, `expected ValidationError, got ${String(error)}`);
      assert.equal(error.code, CrmErrorCode.validation);
      assert.deepEqual([...new Set(error.fields)].sort(), [...fields].sort());
      assert.match(error.message, /^Invalid filter: /);
      return true;
    },
  );
  // compileFilter validates too, with the same error.
  assert.throws(() => compileFilter(filter as Filter), ValidationError);
}

type Case = [record: unknown, expected: boolean];

function check(filter: Filter, cases: Case[]): void {
  const predicate = compileFilter(filter, { now });
  for (const [record, expected] of cases) {
    assert.equal(predicate(record), expected, `${JSON.stringify(filter)} on ${JSON.stringify(record)}`);
    // The same leaf under a nested path takes the deep-path closure; it must agree.
    if ('field' in filter) {
      const nested = { ...filter, field: `outer.${filter.field}` } as Filter;
      assert.equal(matches(nested, { outer: record }), expected, `nested ${JSON.stringify(filter)}`);
    }
  }
}

test('eq and ne compare scalars strictly; ne is true on missing and null', () => {
  check({ field: 'country', op: 'eq', value: 'CN' }, [
    [{ country: 'CN' }, true],
    [{ country: 'cn' }, false],
    [{ country: null }, false],
    [{}, false],
    [{ country: ['CN'] }, false],
  ]);
  check({ field: 'n', op: 'eq', value: 1 }, [
    [{ n: 1 }, true],
    [{ n: '1' }, false],
    [{ n: true }, false],
  ]);
  check({ field: 'b', op: 'eq', value: false }, [
    [{ b: false }, true],
    [{ b: 0 }, false],
    [{}, false],
  ]);
  check({ field: 'country', op: 'ne', value: 'CN' }, [
    [{ country: 'CN' }, false],
    [{ country: 'US' }, true],
    [{ country: null }, true],
    [{}, true],
  ]);
});

test('eq null matches missing or null; ne null means present and not null', () => {
  check({ field: 'x', op: 'eq', value: null }, [
    [{}, true],
    [{ x: null }, true],
    [{ x: 0 }, false],
    [{ x: '' }, false],
    [null, true],
  ]);
  check({ field: 'x', op: 'ne', value: null }, [
    [{}, false],
    [{ x: null }, false],
    [{ x: false }, true],
  ]);
});

test('ordering compares like with like only', () => {
  check({ field: 'n', op: 'gt', value: 10 }, [
    [{ n: 11 }, true],
    [{ n: 10 }, false],
    [{ n: '11' }, false],
    [{ n: null }, false],
    [{}, false],
  ]);
  check({ field: 'n', op: 'gte', value: 10 }, [
    [{ n: 10 }, true],
    [{ n: 9.99 }, false],
  ]);
  check({ field: 'n', op: 'lt', value: 10 }, [
    [{ n: -Infinity }, true],
    [{ n: 10 }, false],
    [{ n: Number.NaN }, false],
    [{}, false],
  ]);
  check({ field: 'n', op: 'lte', value: 10 }, [
    [{ n: 10 }, true],
    [{ n: 10.5 }, false],
  ]);
  check({ field: 's', op: 'gt', value: 'b' }, [
    [{ s: 'c' }, true],
    [{ s: 'B' }, false],
    [{ s: 'b' }, false],
    [{ s: 3 }, false],
  ]);
  check({ field: 'flag', op: 'gt', value: false }, [
    [{ flag: true }, true],
    [{ flag: false }, false],
    [{ flag: 1 }, false],
  ]);
  check({ field: 'n', op: 'gt', value: null }, [
    [{ n: 1 }, false],
    [{ n: null }, false],
    [{}, false],
  ]);
});

test('between is inclusive at both ends; unlike bounds match nothing', () => {
  check({ field: 'n', op: 'between', min: 1, max: 3 }, [
    [{ n: 1 }, true],
    [{ n: 3 }, true],
    [{ n: 2.5 }, true],
    [{ n: 0.999 }, false],
    [{ n: 4 }, false],
    [{ n: '2' }, false],
    [{}, false],
  ]);
  check({ field: 's', op: 'between', min: 'b', max: 'd' }, [
    [{ s: 'b' }, true],
    [{ s: 'cz' }, true],
    [{ s: 'd' }, true],
    [{ s: 'da' }, false],
  ]);
  check({ field: 'n', op: 'between', min: 1, max: 'z' }, [
    [{ n: 2 }, false],
    [{ n: 'b' }, false],
  ]);
  check({ field: 'n', op: 'between', min: 3, max: 1 }, [[{ n: 2 }, false]]);
});

test('in and nin: nin is true on missing; a null in the list matches missing and null', () => {
  check({ field: 'country', op: 'in', values: ['CN', 'US'] }, [
    [{ country: 'CN' }, true],
    [{ country: 'US' }, true],
    [{ country: 'DE' }, false],
    [{ country: null }, false],
    [{}, false],
  ]);
  check({ field: 'country', op: 'nin', values: ['CN', 'US'] }, [
    [{ country: 'CN' }, false],
    [{ country: 'DE' }, true],
    [{ country: null }, true],
    [{}, true],
  ]);
  check({ field: 'x', op: 'in', values: [] }, [
    [{ x: 1 }, false],
    [{}, false],
  ]);
  check({ field: 'x', op: 'nin', values: [] }, [[{}, true]]);
  check({ field: 'x', op: 'in', values: [null, 1] }, [
    [{}, true],
    [{ x: null }, true],
    [{ x: 1 }, true],
    [{ x: 2 }, false],
  ]);
  // Long lists take the Set path; they must behave the same.
  const long = Array.from({ length: 50 }, (_, i) => `v${i}`);
  check({ field: 'x', op: 'in', values: [...long, 7, true] }, [
    [{ x: 'v49' }, true],
    [{ x: 7 }, true],
    [{ x: true }, true],
    [{ x: '7' }, false],
    [{ x: null }, false],
    [{}, false],
  ]);
  check({ field: 'x', op: 'in', values: [...long, null] }, [
    [{}, true],
    [{ x: 'v0' }, true],
    [{ x: 'w' }, false],
  ]);
});

test('contains and startsWith ignore case by default and respect caseSensitive', () => {
  check({ field: 'name', op: 'contains', value: 'ACME' }, [
    [{ name: 'The Acme Corp' }, true],
    [{ name: 'acm' }, false],
    [{ name: 42 }, false],
    [{ name: null }, false],
    [{}, false],
  ]);
  check({ field: 'name', op: 'contains', value: 'ACME', caseSensitive: true }, [
    [{ name: 'The Acme Corp' }, false],
    [{ name: 'THE ACME CORP' }, true],
  ]);
  check({ field: 'name', op: 'contains', value: '' }, [
    [{ name: '' }, true],
    [{}, false],
  ]);
  check({ field: 'name', op: 'startsWith', value: 'the' }, [
    [{ name: 'The Acme Corp' }, true],
    [{ name: 'Acme, The' }, false],
    [{ name: ['the'] }, false],
    [{}, false],
  ]);
  check({ field: 'name', op: 'startsWith', value: 'the', caseSensitive: true }, [
    [{ name: 'The Acme Corp' }, false],
    [{ name: 'the acme' }, true],
  ]);
  // Case folding is toLowerCase, the same in every locale.
  check({ field: 'city', op: 'contains', value: 'İSTANBUL' }, [[{ city: 'i̇stanbul' }, true]]);
});

test('contains on an array means an element equals the value', () => {
  check({ field: 'tags', op: 'contains', value: 'VIP' }, [
    [{ tags: ['new', 'vip'] }, true],
    [{ tags: ['vip-lite'] }, false],
    [{ tags: [1, null] }, false],
    [{ tags: [] }, false],
  ]);
  check({ field: 'tags', op: 'contains', value: 'VIP', caseSensitive: true }, [
    [{ tags: ['vip'] }, false],
    [{ tags: ['VIP'] }, true],
  ]);
});

test('exists: true means present and not null', () => {
  check({ field: 'x', op: 'exists', value: true }, [
    [{ x: 0 }, true],
    [{ x: false }, true],
    [{ x: '' }, true],
    [{ x: null }, false],
    [{}, false],
    ['x', false],
  ]);
  check({ field: 'x', op: 'exists', value: false }, [
    [{ x: 0 }, false],
    [{ x: null }, true],
    [{}, true],
  ]);
});

test('hasAny and hasAll work on arrays only', () => {
  check({ field: 'tags', op: 'hasAny', values: ['vip', 'new'] }, [
    [{ tags: ['x', 'new'] }, true],
    [{ tags: ['VIP'] }, false],
    [{ tags: [] }, false],
    [{ tags: 'vip' }, false],
    [{ tags: null }, false],
    [{}, false],
  ]);
  check({ field: 'tags', op: 'hasAny', values: [] }, [[{ tags: ['vip'] }, false]]);
  check({ field: 'tags', op: 'hasAll', values: ['vip', 'new'] }, [
    [{ tags: ['new', 'x', 'vip'] }, true],
    [{ tags: ['vip'] }, false],
    [{ tags: 'vip new' }, false],
    [{}, false],
  ]);
  check({ field: 'tags', op: 'hasAll', values: [] }, [
    [{ tags: [] }, true],
    [{ tags: ['a'] }, true],
    [{ tags: 'a' }, false],
    [{}, false],
  ]);
  check({ field: 'scores', op: 'hasAll', values: [1, null] }, [
    [{ scores: [null, 2, 1] }, true],
    [{ scores: [1, 2] }, false],
  ]);
});

test('withinLast and olderThan count back from now', () => {
  check({ field: 'at', op: 'withinLast', amount: 30, unit: 'days' }, [
    [{ at: '2026-02-01T12:00:00.000Z' }, true],
    [{ at: '2026-01-29T12:00:00.000Z' }, false],
    [{ at: '2026-01-30T11:59:59.999Z' }, false],
    [{ at: '2026-01-30T12:00:00.001Z' }, true],
    [{ at: '2026-01-30T12:00:00Z' }, true],
    [{ at: '2026-01-31T12:00:00.000Z' }, true],
    [{ at: '2026-03-01T12:00:00.000Z' }, true],
    [{ at: '2026-03-01T20:00:00.000+08:00' }, true],
    [{ at: '2026-03-01T12:00:00.001Z' }, false],
    [{ at: '2026-02-15' }, false],
    [{ at: 1772366400000 }, false],
    [{ at: null }, false],
    [{}, false],
  ]);
  check({ field: 'at', op: 'olderThan', amount: 2, unit: 'hours' }, [
    [{ at: '2026-03-01T09:59:59.999Z' }, true],
    [{ at: '2026-03-01T10:00:00.000Z' }, false],
    [{ at: '2026-03-01T17:59:59+08:00' }, true],
    [{ at: '2020-01-01' }, false],
    [{}, false],
  ]);
  const units: [Filter, string][] = [
    [{ field: 'at', op: 'withinLast', amount: 90, unit: 'minutes' }, '2026-03-01T10:30:00Z'],
    [{ field: 'at', op: 'withinLast', amount: 1.5, unit: 'hours' }, '2026-03-01T10:30:00Z'],
    [{ field: 'at', op: 'withinLast', amount: 1, unit: 'weeks' }, '2026-02-22T12:00:00Z'],
    [{ field: 'at', op: 'withinLast', amount: 0, unit: 'days' }, '2026-03-01T12:00:00Z'],
  ];
  for (const [filter, edge] of units) {
    assert.equal(matches(filter, { at: edge }), true, JSON.stringify(filter));
    const before = new Date(Date.parse(edge) - 1).toISOString();
    assert.equal(matches(filter, { at: before }), false, JSON.stringify(filter));
  }
});

test('now defaults to the time of compiling and must be a valid date', () => {
  const recent = new Date(Date.now() - 60_000).toISOString();
  assert.equal(compileFilter({ field: 'at', op: 'withinLast', amount: 5, unit: 'minutes' })({ at: recent }), true);
  assert.throws(
    () => compileFilter({ field: 'at', op: 'withinLast', amount: 5, unit: 'minutes' }, { now: new Date('nope') }),
    (error: unknown) => error instanceof ValidationError && error.fields[0] === 'now',
  );
});

test('instants compare as instants across offsets', () => {
  const eight = '2026-01-01T08:00:00+08:00';
  check({ field: 'at', op: 'eq', value: eight }, [
    [{ at: '2026-01-01T00:00:00Z' }, true],
    [{ at: '2026-01-01T00:00:00.000Z' }, true],
    [{ at: '2025-12-31T19:00-05:00' }, true],
    [{ at: '2026-01-01T00:00:00.001Z' }, false],
    // Not instants: no zone, or a date only.
    [{ at: '2026-01-01T00:00:00' }, false],
    [{ at: '2026-01-01' }, false],
  ]);
  check({ field: 'at', op: 'ne', value: '2026-01-01T00:00:00Z' }, [
    [{ at: eight }, false],
    [{ at: '2026-01-01T00:00:01Z' }, true],
    [{}, true],
  ]);
  // Lexically '2026-01-01T07:00:00Z' > '2026-01-01T08:00:00+08:00' is false; as instants it is later.
  check({ field: 'at', op: 'gt', value: eight }, [
    [{ at: '2026-01-01T07:00:00Z' }, true],
    [{ at: '2026-01-01T00:00:00Z' }, false],
    [{ at: '2026-01-01T07:59:59+08:00' }, false],
  ]);
  check({ field: 'at', op: 'gte', value: eight }, [[{ at: '2026-01-01T00:00:00Z' }, true]]);
  check({ field: 'at', op: 'lt', value: '2026-01-01T00:00:00Z' }, [
    [{ at: '2026-01-01T07:59:59+08:00' }, true],
    [{ at: eight }, false],
  ]);
  check({ field: 'at', op: 'lte', value: '2026-01-01T00:00:00Z' }, [[{ at: eight }, true]]);
  check({ field: 'at', op: 'between', min: '2026-01-01T00:00:00Z', max: '2026-01-01T23:59:59.999Z' }, [
    [{ at: eight }, true],
    [{ at: '2026-01-02T07:59:59.999+08:00' }, true],
    [{ at: '2026-01-02T08:00:00+08:00' }, false],
    [{ at: '2025-12-31T23:59:59.999Z' }, false],
  ]);
  check({ field: 'at', op: 'in', values: ['x', eight] }, [
    [{ at: '2026-01-01T00:00:00Z' }, true],
    [{ at: 'x' }, true],
    [{ at: '2026-01-01T00:00:01Z' }, false],
  ]);
  check({ field: 'at', op: 'nin', values: [eight] }, [
    [{ at: '2026-01-01T00:00:00Z' }, false],
    [{ at: '2026-01-01T00:00:01Z' }, true],
  ]);
  check({ field: 'dates', op: 'hasAny', values: [eight] }, [
    [{ dates: ['2026-01-01T00:00:00Z'] }, true],
    [{ dates: ['2026-01-01'] }, false],
  ]);
  check({ field: 'dates', op: 'hasAll', values: [eight, '2026-01-02T00:00:00Z'] }, [
    [{ dates: ['2026-01-02T08:00:00+08:00', '2026-01-01T00:00Z'] }, true],
    [{ dates: ['2026-01-01T00:00:00Z'] }, false],
  ]);
});

test('only real calendar instants count; other strings compare as strings', () => {
  // Date.parse would roll these over; the filter language does not treat them as instants.
  for (const at of [
    '2026-02-29T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00+0800',
  ]) {
    assert.equal(matches({ field: 'at', op: 'withinLast', amount: 200, unit: 'weeks' }, { at }), false, at);
  }
  assert.equal(
    matches({ field: 'at', op: 'withinLast', amount: 200, unit: 'weeks' }, { at: '2024-02-29T00:00:00Z' }),
    true,
  );
  // Strings of the canonical toISOString shape that name no date are no instants either, though they sort among
  // real ones.
  check({ field: 'at', op: 'withinLast', amount: 30, unit: 'days' }, [
    [{ at: '2026-02-29T12:00:00.000Z' }, false],
    [{ at: '2026-02-28T12:00:00.000Z' }, true],
  ]);
  check({ field: 'at', op: 'olderThan', amount: 1, unit: 'days' }, [
    [{ at: '2025-02-29T12:00:00.000Z' }, false],
    [{ at: '2025-02-28T12:00:00.000Z' }, true],
  ]);
  check({ field: 'at', op: 'eq', value: '2026-02-28T12:00:00.000Z' }, [
    [{ at: '2026-02-28T20:00:00.000+08:00' }, true],
    [{ at: '2026-02-28T12:00:00.001Z' }, false],
  ]);
  check({ field: 'at', op: 'between', min: '2026-02-01T00:00:00.000Z', max: '2026-02-28T23:59:59.999Z' }, [
    [{ at: '2026-02-29T12:00:00.000Z' }, false],
    [{ at: '2026-02-15T12:00:00.000Z' }, true],
    [{ at: '2026-02-28T23:59:59.999-00:00' }, true],
  ]);
  // A non-instant operand: plain string comparison, even against instants.
  check({ field: 'at', op: 'gt', value: '2026-01-01' }, [
    [{ at: '2026-01-01T00:00:00Z' }, true],
    [{ at: '2025-12-31T23:00:00-05:00' }, false],
  ]);
  // An instant operand against a non-instant string: plain string comparison too.
  check({ field: 'at', op: 'lt', value: '2026-01-01T00:00:00Z' }, [[{ at: '2026-01-01' }, true]]);
  // Fractions beyond milliseconds are truncated.
  check({ field: 'at', op: 'eq', value: '2026-01-01T00:00:00.123Z' }, [[{ at: '2026-01-01T00:00:00.123999Z' }, true]]);
});

test('logical nodes: all [] is true, any [] is false, not negates', () => {
  check({ all: [] }, [
    [{}, true],
    [null, true],
  ]);
  check({ any: [] }, [[{}, false]]);
  check({ not: { any: [] } }, [[{}, true]]);
  check({ not: { all: [] } }, [[{}, false]]);
  const leaves: Filter[] = [
    { field: 'a', op: 'eq', value: 1 },
    { field: 'b', op: 'eq', value: 1 },
    { field: 'c', op: 'eq', value: 1 },
    { field: 'd', op: 'eq', value: 1 },
    { field: 'e', op: 'eq', value: 1 },
  ];
  // Every arity, unrolled or looped.
  for (let n = 1; n <= leaves.length; n++) {
    const children = leaves.slice(0, n);
    const allOnes = Object.fromEntries(children.map((leaf) => ['field' in leaf ? leaf.field : '', 1]));
    const oneOff = { ...allOnes, [n === 1 ? 'a' : 'b']: 2 };
    check({ all: children }, [
      [allOnes, true],
      [oneOff, false],
    ]);
    check({ any: children }, [
      [{}, false],
      [{ [n === 1 ? 'a' : 'b']: 1 }, true],
    ]);
    check({ not: { all: children } }, [
      [allOnes, false],
      [oneOff, true],
    ]);
    check({ not: { any: children } }, [
      [{}, true],
      [allOnes, false],
    ]);
  }
  check({ not: { not: { field: 'a', op: 'eq', value: 1 } } }, [
    [{ a: 1 }, true],
    [{}, false],
  ]);
});

test('dotted paths reach nested own properties and array indexes', () => {
  const record = { customFields: { region: 'east' }, value: { amountMinor: 1200 }, tags: ['vip'] };
  assert.equal(matches({ field: 'customFields.region', op: 'eq', value: 'east' }, record), true);
  assert.equal(matches({ field: 'value.amountMinor', op: 'gt', value: 1000 }, record), true);
  assert.equal(matches({ field: 'tags.0', op: 'eq', value: 'vip' }, record), true);
  assert.equal(matches({ field: 'tags.length', op: 'eq', value: 1 }, record), true);
  assert.equal(matches({ field: 'customFields.region.length', op: 'exists', value: true }, record), false);
  assert.equal(matches({ field: 'value.amountMinor.x', op: 'exists', value: false }, record), true);
  assert.equal(matches({ field: 'a.b.c', op: 'exists', value: false }, { a: null }), true);
  assert.equal(getPath(record, 'customFields.region'), 'east');
  assert.equal(getPath(record, ['value', 'amountMinor']), 1200);
  assert.equal(getPath(record, 'customFields.missing'), undefined);
  assert.equal(getPath('text', 'length'), undefined);
  assert.equal(getPath(null, 'x'), undefined);
});

test('lookups use own properties only, never the prototype chain', () => {
  const inherited = Object.create({ country: 'CN', nested: { x: 1 } }) as object;
  assert.equal(matches({ field: 'country', op: 'eq', value: 'CN' }, inherited), false);
  assert.equal(matches({ field: 'country', op: 'exists', value: false }, inherited), true);
  assert.equal(matches({ field: 'nested.x', op: 'eq', value: 1 }, inherited), false);
  assert.equal(getPath(inherited, 'country'), undefined);
  for (const name of ['toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
    assert.equal(matches({ field: name, op: 'exists', value: true }, {}), false, name);
    assert.equal(getPath({}, name), undefined);
  }
  // A getter up the chain is not even called.
  let calls = 0;
  const proto = {
    get secret(): string {
      calls++;
      return 'x';
    },
  };
  assert.equal(matches({ field: 'secret', op: 'exists', value: true }, Object.create(proto)), false);
  assert.equal(calls, 0);
  // Own properties of objects without a prototype work.
  const bare = Object.assign(Object.create(null) as object, { country: 'CN' });
  assert.equal(matches({ field: 'country', op: 'eq', value: 'CN' }, bare), true);
  // A JSON `__proto__` key is an own data property; it never reaches Object.prototype.
  const parsed = JSON.parse('{"a": {"__proto__": {"polluted": true}}}') as unknown;
  assert.equal(matches({ field: 'a.polluted', op: 'exists', value: true }, parsed), false);
});

test('paths through __proto__, prototype or constructor, and empty segments, are rejected', () => {
  assertRejected({ field: '__proto__', op: 'exists', value: true }, ['field']);
  assertRejected(
    {
      all: [
        { field: 'a', op: 'eq', value: 1 },
        { field: 'a.constructor.name', op: 'eq', value: 'x' },
      ],
    },
    ['all.1.field'],
  );
  assertRejected({ not: { field: 'x.prototype', op: 'exists', value: true } }, ['not.field']);
  assertRejected({ any: [{ field: 'a..b', op: 'exists', value: true }] }, ['any.0.field']);
  assertRejected({ field: '', op: 'exists', value: true }, ['field']);
  assertRejected({ field: 'a.', op: 'exists', value: true }, ['field']);
  // Lookalikes are fine.
  parseFilter({ field: 'constructorName', op: 'exists', value: true });
  parseFilter({ field: 'proto.__proto', op: 'exists', value: true });
});

test('the schema rejects unknown ops and wrong operand types, naming the path', () => {
  assertRejected({ all: [{ field: 'a', op: 'equals', value: 1 }] }, ['all.0.op']);
  assertRejected({ all: [{ field: 'a', op: 'eq', value: { $gt: 1 } }] }, ['all.0.value']);
  assertRejected({ all: [{ field: 'a', op: 'eq', value: [1] }] }, ['all.0.value']);
  assertRejected({ all: [{ field: 'a', op: 'eq' }] }, ['all.0.value']);
  assertRejected({ all: [{ field: 'a', op: 'gt', value: Number.NaN }] }, ['all.0.value']);
  assertRejected({ all: [{ field: 'a', op: 'gt', value: Infinity }] }, ['all.0.value']);
  assertRejected({ any: [{ all: [] }, { field: 'a', op: 'in', values: 'CN' }] }, ['any.1.values']);
  assertRejected({ any: [{ field: 'a', op: 'in', values: ['CN', {}] }] }, ['any.0.values.1']);
  assertRejected({ field: 'a', op: 'between', min: 1 }, ['max']);
  assertRejected({ field: 'a', op: 'contains', value: 3 }, ['value']);
  assertRejected({ field: 'a', op: 'startsWith', value: 'x', caseSensitive: 'yes' }, ['caseSensitive']);
  assertRejected({ field: 'a', op: 'exists', value: 'yes' }, ['value']);
  assertRejected({ field: 'a', op: 'hasAll', values: null }, ['values']);
  assertRejected({ field: 'a', op: 'withinLast', amount: -1, unit: 'days' }, ['amount']);
  assertRejected({ field: 'a', op: 'withinLast', amount: 1, unit: 'months' }, ['unit']);
  assertRejected({ field: 'a', op: 'olderThan', amount: '1', unit: 'days' }, ['amount']);
  assertRejected({ field: 7, op: 'eq', value: 1 }, ['field']);
  assertRejected({ not: { not: { field: 'a', op: 'eq', value: undefined } } }, ['not.not.value']);
  // Unknown keys are errors, not silently dropped: a misspelt operand would widen the match.
  assertRejected({ field: 'a', op: 'eq', value: 1, caseSensitive: true }, ['(root)']);
  assertRejected({ field: 'a', op: 'in', value: ['CN'] }, ['(root)', 'values']);
  // Structure.
  assertRejected({ all: [], any: [] }, ['(root)']);
  assertRejected({}, ['(root)']);
  assertRejected({ all: 'x' }, ['all']);
  assertRejected({ not: [] }, ['not']);
  assertRejected(null, ['(root)']);
  assertRejected('eq', ['(root)']);
  assertRejected([{ field: 'a', op: 'eq', value: 1 }], ['(root)']);
});

test('error messages name the problem without echoing values', () => {
  const secret = 'alice@example.com';
  assert.throws(
    () => parseFilter({ all: [{ field: 'email', op: 'eq', value: { secret } }] }),
    (error: unknown) => error instanceof ValidationError && !error.message.includes(secret),
  );
});

test('nesting is bounded so hostile input cannot exhaust the stack', () => {
  let filter: unknown = { field: 'a', op: 'exists', value: true };
  for (let i = 0; i < 14; i++) filter = { not: { all: [filter] } };
  assert.equal(compileFilter(filter as Filter)({}), false);
  for (let i = 0; i < 10_000; i++) filter = { not: filter };
  assert.throws(
    () => parseFilter(filter),
    (error: unknown) => error instanceof ValidationError && /nest at most/.test(error.message),
  );
  // The schema itself carries the bound, for schemas that embed it (saved segments, HTTP bodies).
  const result = z.safeParse(filterSchema, { any: [filter] });
  assert.equal(result.success, false);
  assert.match(result.error?.issues[0]?.message ?? '', /nest at most 32/);
  assert.deepEqual(result.error?.issues[0]?.path.slice(0, 3), ['any', 0, 'not']);
});

test('parseFilter returns a copy; the predicate does not see later mutation of the input', () => {
  const input = { all: [{ field: 'a', op: 'eq' as const, value: 1 }] };
  const predicate = compileFilter(input);
  input.all[0]!.value = 2;
  assert.equal(predicate({ a: 1 }), true);
  assert.notEqual(parseFilter(input), input);
});

test('filterSchema is a zod/mini schema usable directly', () => {
  assert.equal(z.safeParse(filterSchema, { field: 'a', op: 'exists', value: true }).success, true);
  const result = z.safeParse(filterSchema, { all: [{ field: 'a', op: 'eq', value: {} }] });
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['all', 0, 'value']);
});

test('filterFields lists the distinct paths in order of first use', () => {
  const filter: Filter = {
    all: [
      { field: 'country', op: 'in', values: ['CN'] },
      {
        not: {
          any: [
            { field: 'customFields.region', op: 'eq', value: 'x' },
            { field: 'country', op: 'ne', value: 'US' },
          ],
        },
      },
      { field: 'tags', op: 'hasAny', values: ['vip'] },
    ],
  };
  assert.deepEqual(filterFields(filter), ['country', 'customFields.region', 'tags']);
  assert.deepEqual(filterFields({ all: [] }), []);
});

test('FILTER_OPERATORS lists every operator once, logical ones included', () => {
  assert.equal(new Set(FILTER_OPERATORS).size, FILTER_OPERATORS.length);
  for (const op of ['all', 'any', 'not', 'eq', 'between', 'contains', 'hasAll', 'withinLast', 'olderThan']) {
    assert.ok((FILTER_OPERATORS as readonly string[]).includes(op), op);
  }
  assert.equal(FILTER_OPERATORS.length, 19);
});

test('validation and evaluation run where code generation from strings is forbidden (strict CSP)', () => {
  const entry = new URL('../src/filter/index.ts', import.meta.url).href;
  const script = `
    const { compileFilter } = await import(${JSON.stringify(entry)});
    let blocked = false;
    try { new Function('return 1'); } catch { blocked = true; }
    if (!blocked) throw new Error('code generation was not blocked');
    const p = compileFilter({ all: [{ field: 'c', op: 'in', values: ['CN', 'US'] }, { not: { field: 't', op: 'withinLast', amount: 1, unit: 'days' } }] });
    if (p({ c: 'CN' }) !== true || p({ c: 'DE' }) !== false) throw new Error('wrong result');
    console.log('ok');
  `;
  const result = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '--eval', script],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'ok');
});
