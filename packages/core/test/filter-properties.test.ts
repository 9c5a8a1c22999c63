import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFilter, type Filter, type Scalar } from '@crmkit/core';

// ---- a deliberately naive reference evaluator, written from the documented semantics ---------------------------

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const UNIT: Record<string, number> = { minutes: MINUTE, hours: 60 * MINUTE, days: DAY, weeks: 7 * DAY };

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

function refInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [, year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = m.map(
    (group) => (group === undefined ? 0 : Number(group)),
  );
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day) return undefined;
  return Date.parse(value);
}

function refGet(record: unknown, path: string): unknown {
  let value = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const isNullish = (value: unknown): boolean => value === undefined || value === null;

function refSame(a: unknown, b: Scalar): boolean {
  const ta = refInstant(a);
  const tb = refInstant(b);
  return ta !== undefined && tb !== undefined ? ta === tb : a === b;
}

function refEq(value: unknown, operand: Scalar): boolean {
  if (operand === null) return isNullish(value);
  return !isNullish(value) && refSame(value, operand);
}

/** Negative, zero or positive; undefined when the two cannot be ordered. */
function refCompare(value: unknown, operand: Scalar): number | undefined {
  if (isNullish(value) || operand === null) return undefined;
  const ta = refInstant(value);
  const tb = refInstant(operand);
  if (ta !== undefined && tb !== undefined) return ta - tb;
  if (typeof value !== typeof operand) return undefined;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value < operand ? -1 : value > operand ? 1 : 0;
  }
  return undefined;
}

function refElementEquals(element: unknown, operand: Scalar): boolean {
  return element !== undefined && refSame(element, operand);
}

function refEvaluate(filter: Filter, record: unknown, now: number): boolean {
  if ('all' in filter) return filter.all.every((child) => refEvaluate(child, record, now));
  if ('any' in filter) return filter.any.some((child) => refEvaluate(child, record, now));
  if ('not' in filter) return !refEvaluate(filter.not, record, now);
  const value = refGet(record, filter.field);
  switch (filter.op) {
    case 'eq':
      return refEq(value, filter.value);
    case 'ne':
      return !refEq(value, filter.value);
    case 'gt':
      return (refCompare(value, filter.value) ?? NaN) > 0;
    case 'gte':
      return (refCompare(value, filter.value) ?? NaN) >= 0;
    case 'lt':
      return (refCompare(value, filter.value) ?? NaN) < 0;
    case 'lte':
      return (refCompare(value, filter.value) ?? NaN) <= 0;
    case 'between':
      return (refCompare(value, filter.min) ?? NaN) >= 0 && (refCompare(value, filter.max) ?? NaN) <= 0;
    case 'in':
      return filter.values.some((operand) => refEq(value, operand));
    case 'nin':
      return !filter.values.some((operand) => refEq(value, operand));
    case 'contains': {
      const fold = (s: string): string => (filter.caseSensitive ? s : s.toLowerCase());
      if (typeof value === 'string') return fold(value).includes(fold(filter.value));
      if (Array.isArray(value)) return value.some((e) => typeof e === 'string' && fold(e) === fold(filter.value));
      return false;
    }
    case 'startsWith': {
      const fold = (s: string): string => (filter.caseSensitive ? s : s.toLowerCase());
      return typeof value === 'string' && fold(value).startsWith(fold(filter.value));
    }
    case 'exists':
      return !isNullish(value) === filter.value;
    case 'hasAny':
      return Array.isArray(value) && filter.values.some((o) => value.some((e: unknown) => refElementEquals(e, o)));
    case 'hasAll':
      return Array.isArray(value) && filter.values.every((o) => value.some((e: unknown) => refElementEquals(e, o)));
    case 'withinLast': {
      const t = refInstant(value);
      return t !== undefined && t >= now - filter.amount * UNIT[filter.unit]! && t <= now;
    }
    case 'olderThan': {
      const t = refInstant(value);
      return t !== undefined && t < now - filter.amount * UNIT[filter.unit]!;
    }
  }
}

// ---- generators ---------------------------------------------------------------------------------------------------

const OFFSETS = [0, 480, -300, 330, -720, 840];

/** Renders an instant in one of several equivalent ISO-8601 forms (zone offset, precision). */
function renderInstant(ms: number, offsetMinutes: number, precision: 'min' | 's' | 'ms' | 'us', zulu: boolean): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString();
  const body =
    precision === 'min'
      ? local.slice(0, 16)
      : precision === 's'
        ? local.slice(0, 19)
        : precision === 'ms'
          ? local.slice(0, 23)
          : `${local.slice(0, 23)}789`;
  if (offsetMinutes === 0 && zulu) return `${body}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${body}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// Mostly a few fixed instants, so that records and operands often name the same instant in different forms.
const instantMs = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(NOW, NOW - 1, NOW - 30 * DAY, NOW - 30 * DAY - 1, NOW - 2 * 60 * MINUTE, NOW - 45 * DAY),
  },
  { weight: 1, arbitrary: fc.integer({ min: NOW - 60 * DAY, max: NOW + DAY }) },
);
const instantString = fc
  .tuple(instantMs, fc.constantFrom(...OFFSETS), fc.constantFrom('min', 's', 'ms', 'us' as const), fc.boolean())
  .map(([ms, offset, precision, zulu]) => renderInstant(ms, offset, precision, zulu));
const text = fc.constantFrom('CN', 'US', 'cn', 'de', '', 'vip', 'VIP', 'Acme Corp', 'acme', 'ac', 'AC', 'z', 'İ');
// Not instants, including strings of the canonical shape that name no date (they sort among real instants).
const notInstant = fc.constantFrom(
  '2026-02-15',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00',
  'yesterday',
  '2026-02-29T12:00:00.000Z',
  '2026-02-20T25:00:00.000Z',
  '2026-02-20T12:00:00.000+',
);
const number = fc.oneof(
  fc.constantFrom(0, -0, 1, 2, 1000, 1000.5, -3),
  fc.integer({ min: -5, max: 2000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const scalar: fc.Arbitrary<Scalar> = fc.oneof(text, number, fc.boolean(), fc.constant(null), instantString, notInstant);
const operand: fc.Arbitrary<Scalar> = fc.oneof(scalar, instantString);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
);

// `t` mostly holds instants, so that date comparisons often meet an instant operand.
const leafFields = { a: value, b: value, t: fc.oneof({ weight: 3, arbitrary: instantString }, value), tags: value };
const record: fc.Arbitrary<unknown> = fc.record(
  {
    ...leafFields,
    o: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ ...leafFields, p: fc.record({ q: value }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      },
      { weight: 1, arbitrary: scalar },
    ),
  },
  { requiredKeys: [] },
);
const records = fc.array(record, { minLength: 1, maxLength: 12 });

const field = fc.constantFrom(
  'a',
  'b',
  't',
  'tags',
  'o',
  'o.a',
  'o.t',
  'o.tags',
  'o.p.q',
  'missing',
  'tags.0',
  'o.x.y',
);
const units = fc.constantFrom('minutes' as const, 'hours' as const, 'days' as const, 'weeks' as const);

const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field, op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte' as const), value: operand }),
  // Up to 12 values: both the scanned list (≤ 8) and the Set.
  fc.record({
    field,
    op: fc.constantFrom('in', 'nin', 'hasAny', 'hasAll' as const),
    values: fc.array(scalar, { maxLength: 12 }),
  }),
  fc.record({ field, op: fc.constant('between' as const), min: operand, max: operand }),
  fc.record(
    { field, op: fc.constantFrom('contains', 'startsWith' as const), value: text, caseSensitive: fc.boolean() },
    { requiredKeys: ['field', 'op', 'value'] },
  ),
  fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }),
  fc.record({
    field,
    op: fc.constantFrom('withinLast', 'olderThan' as const),
    amount: fc.constantFrom(0, 1, 2, 30, 45, 1.5),
    unit: units,
  }),
);

const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('filter'), { maxLength: 5 }) }),
    fc.record({ any: fc.array(tie('filter'), { maxLength: 5 }) }),
    fc.record({ not: tie('filter') }),
  ),
}));

const now = new Date(NOW);

// ---- properties ---------------------------------------------------------------------------------------------------

test('ne ≡ not eq and nin ≡ not in, on random records', () => {
  fc.assert(
    fc.property(records, field, scalar, fc.array(scalar, { maxLength: 12 }), (rs, path, operand, operands) => {
      const eq = compileFilter({ field: path, op: 'eq', value: operand });
      const ne = compileFilter({ field: path, op: 'ne', value: operand });
      const notEq = compileFilter({ not: { field: path, op: 'eq', value: operand } });
      const isIn = compileFilter({ field: path, op: 'in', values: operands });
      const nin = compileFilter({ field: path, op: 'nin', values: operands });
      const notIn = compileFilter({ not: { field: path, op: 'in', values: operands } });
      for (const r of rs) {
        assert.equal(ne(r), !eq(r));
        assert.equal(notEq(r), ne(r));
        assert.equal(nin(r), !isIn(r));
        assert.equal(notIn(r), nin(r));
      }
    }),
    { numRuns: 500 },
  );
});

test('compileFilter agrees with a naive reference evaluator on random filters and records', () => {
  fc.assert(
    fc.property(filter, records, (f, rs) => {
      const predicate = compileFilter(f, { now });
      for (const r of rs) assert.equal(predicate(r), refEvaluate(f, r, NOW), JSON.stringify({ f, r }));
    }),
    { numRuns: 3000 },
  );
});

test('a window (a lower and an upper bound on one field, with other conditions) agrees with the reference', () => {
  const window = fc
    .tuple(field, fc.constantFrom('gt', 'gte' as const), operand, fc.constantFrom('lt', 'lte' as const), operand)
    .chain(([path, lowOp, low, highOp, high]) =>
      fc
        .array(leaf, { maxLength: 2 })
        .chain((others) =>
          fc.shuffledSubarray(
            [
              { field: path, op: lowOp, value: low } as Filter,
              { field: path, op: highOp, value: high } as Filter,
              ...others,
            ],
            { minLength: 2 + others.length },
          ),
        )
        .map((all): Filter => ({ all })),
    );
  fc.assert(
    fc.property(window, records, fc.boolean(), (f, rs, negated) => {
      const tree: Filter = negated ? { not: f } : f;
      const predicate = compileFilter(tree, { now });
      for (const r of rs) assert.equal(predicate(r), refEvaluate(tree, r, NOW), JSON.stringify({ tree, r }));
    }),
    { numRuns: 3000 },
  );
});

test('De Morgan: not(all[a, b]) ≡ any[not a, not b] and not(any[a, b]) ≡ all[not a, not b]', () => {
  fc.assert(
    fc.property(filter, filter, records, (a, b, rs) => {
      const pa = compileFilter(a, { now });
      const pb = compileFilter(b, { now });
      const notAll = compileFilter({ not: { all: [a, b] } }, { now });
      const anyNot = compileFilter({ any: [{ not: a }, { not: b }] }, { now });
      const notAny = compileFilter({ not: { any: [a, b] } }, { now });
      const allNot = compileFilter({ all: [{ not: a }, { not: b }] }, { now });
      for (const r of rs) {
        assert.equal(notAll(r), anyNot(r));
        assert.equal(notAll(r), !(pa(r) && pb(r)));
        assert.equal(notAny(r), allNot(r));
        assert.equal(notAny(r), !(pa(r) || pb(r)));
      }
    }),
    { numRuns: 500 },
  );
});

test('instants compare by time whatever their offset and precision', () => {
  // Wide range: leap years, century rules, offsets that cross a day, month or year.
  const ms = fc.integer({ min: Date.UTC(1901, 0, 1), max: Date.UTC(2199, 11, 31) });
  const form = fc.tuple(fc.constantFrom(...OFFSETS), fc.constantFrom('ms', 'us' as const), fc.boolean());
  fc.assert(
    fc.property(ms, ms, form, form, (x, y, [ox, px, zx], [oy, py, zy]) => {
      const a = renderInstant(x, ox, px, zx);
      const b = renderInstant(y, oy, py, zy);
      const same = renderInstant(x, oy, py, zy);
      assert.equal(compileFilter({ field: 't', op: 'eq', value: same })({ t: a }), true, `${a} = ${same}`);
      assert.equal(compileFilter({ field: 't', op: 'gt', value: b })({ t: a }), x > y, `${a} > ${b}`);
      assert.equal(compileFilter({ field: 't', op: 'lte', value: b })({ t: a }), x <= y, `${a} <= ${b}`);
      const cutoff = new Date(y);
      assert.equal(
        compileFilter({ field: 't', op: 'olderThan', amount: 0, unit: 'days' }, { now: cutoff })({ t: a }),
        x < y,
      );
    }),
    { numRuns: 2000 },
  );
});

// ---- own properties only, whatever the records' prototypes --------------------------------------------------------

/** Counts calls of the getters on the prototype below: a compiled filter must never call one. */
let getterCalls = 0;
const withGetters: object = {};
for (const key of ['a', 'b', 't', 'tags', 'o', 'p', 'q', 'toString', 'valueOf']) {
  Object.defineProperty(withGetters, key, {
    get() {
      getterCalls++;
      return key === 'o' || key === 'p' ? { a: 'CN', q: 'CN' } : 'CN';
    },
  });
}
const prototypes: (object | null)[] = [
  Object.prototype,
  null,
  withGetters,
  { a: 'CN', b: 1000, t: new Date(NOW).toISOString(), tags: ['vip'], o: { a: 'CN' }, toString: 'CN' },
];

/** `record` rebuilt on `proto`, its nested objects on the following prototypes, with the same own data properties. */
function reparent(value: unknown, kinds: readonly number[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const [kind = 0, ...rest] = kinds;
  const copy = Object.create(prototypes[kind % prototypes.length] ?? null) as object;
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: reparent(inner, rest), enumerable: true, writable: true });
  }
  return copy;
}

const inheritedField = fc.constantFrom(
  'a',
  't',
  'tags',
  'o.a',
  'o.p.q',
  'toString',
  'valueOf',
  'o.toString',
  'o.p.valueOf',
);
const inheritedLeaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: inheritedField, op: fc.constantFrom('eq', 'ne', 'gte', 'lt' as const), value: operand }),
  fc.record({
    field: inheritedField,
    op: fc.constantFrom('in', 'nin', 'hasAny', 'hasAll' as const),
    values: fc.array(scalar, { maxLength: 10 }),
  }),
  fc.record({ field: inheritedField, op: fc.constant('exists' as const), value: fc.boolean() }),
  fc.record(
    { field: inheritedField, op: fc.constantFrom('contains', 'startsWith' as const), value: text },
    { requiredKeys: ['field', 'op', 'value'] },
  ),
  fc.record({ field: inheritedField, op: fc.constant('withinLast' as const), amount: fc.constant(30), unit: units }),
);

test('compileFilter reads own properties only: inherited values and getters are never seen', () => {
  getterCalls = 0;
  const kinds = fc.array(fc.nat({ max: prototypes.length - 1 }), { minLength: 3, maxLength: 3 });
  fc.assert(
    fc.property(inheritedLeaf, fc.array(fc.tuple(record, kinds), { minLength: 1, maxLength: 6 }), (f, rs) => {
      const predicate = compileFilter({ not: { all: [f, { any: [f] }] } }, { now });
      const direct = compileFilter(f, { now });
      for (const [plain, kind] of rs) {
        const r = reparent(plain, kind);
        const expected = refEvaluate(f, r, NOW);
        assert.equal(direct(r), expected, JSON.stringify({ f, plain, kind }));
        assert.equal(predicate(r), !expected);
      }
    }),
    { numRuns: 2000 },
  );
  assert.equal(getterCalls, 0, 'no getter up the prototype chain was called');
});
