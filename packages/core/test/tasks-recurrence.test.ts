import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, recurrenceSchema } from '@crmkit/core';
import * as z from 'zod/mini';
import { formatRRule, nextOccurrence, occurrences, parseRRule } from '../src/tasks/recurrence.js';
import { fromLocal, toLocal } from '../src/time/calendar.js';

type Rule = z.input<typeof recurrenceSchema>;
const rule = (input: Rule) => z.parse(recurrenceSchema, input);

test('monthly on the 31st skips months without one (RFC 5545), keeping 09:00 in Shanghai', () => {
  // 2026-01-31 09:00 +08:00 = 01:00Z.
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'month' }), '2026-01-31T01:00:00.000Z', 'Asia/Shanghai', 4), [
    '2026-03-31T01:00:00.000Z',
    '2026-05-31T01:00:00.000Z',
    '2026-07-31T01:00:00.000Z',
    '2026-08-31T01:00:00.000Z',
  ]);
});

test('a Shanghai month end just after local midnight is the previous UTC day', () => {
  // 2026-01-31 00:30 +08:00 = 2026-01-30T16:30Z: the local day (31) decides, not the UTC one (30).
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'month' }), '2026-01-30T16:30:00.000Z', 'Asia/Shanghai', 2), [
    '2026-03-30T16:30:00.000Z',
    '2026-05-30T16:30:00.000Z',
  ]);
});

test('29 February recurs only in leap years; monthly from 29 January skips a common February', () => {
  assert.deepEqual(occurrences(rule({ every: 12, unit: 'month' }), '2024-02-29T10:00:00.000Z', 'UTC', 2), [
    '2028-02-29T10:00:00.000Z',
    '2032-02-29T10:00:00.000Z',
  ]);
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'month' }), '2026-01-29T10:00:00.000Z', 'UTC', 2), [
    '2026-03-29T10:00:00.000Z',
    '2026-04-29T10:00:00.000Z',
  ]);
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'month' }), '2028-01-29T10:00:00.000Z', 'UTC', 1), [
    '2028-02-29T10:00:00.000Z',
  ]);
});

test('daily keeps 09:00 New York time across both DST changes of 2026', () => {
  // Spring forward on Sunday 8 March: 09:00 EST = 14:00Z, 09:00 EDT = 13:00Z.
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'day' }), '2026-03-07T14:00:00.000Z', 'America/New_York', 2), [
    '2026-03-08T13:00:00.000Z',
    '2026-03-09T13:00:00.000Z',
  ]);
  // Fall back on Sunday 1 November.
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'day' }), '2026-10-31T13:00:00.000Z', 'America/New_York', 2), [
    '2026-11-01T14:00:00.000Z',
    '2026-11-02T14:00:00.000Z',
  ]);
});

test('a time in the spring-forward gap uses the offset before it; a repeated time resolves to the first', () => {
  // 02:30 on 8 March does not exist in New York: read with EST (-05:00), i.e. 07:30Z = 03:30 EDT.
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'day' }), '2026-03-07T07:30:00.000Z', 'America/New_York', 2), [
    '2026-03-08T07:30:00.000Z',
    '2026-03-09T06:30:00.000Z',
  ]);
  // 01:30 on 1 November happens twice: the first (EDT, 05:30Z), then 01:30 EST on the 2nd (06:30Z).
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'day' }), '2026-10-31T05:30:00.000Z', 'America/New_York', 2), [
    '2026-11-01T05:30:00.000Z',
    '2026-11-02T06:30:00.000Z',
  ]);
  assert.equal(
    fromLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0, millisecond: 0 }, 'America/New_York'),
    Date.UTC(2026, 2, 8, 7, 30),
  );
  assert.equal(toLocal(Date.UTC(2026, 0, 30, 16, 30), 'Asia/Shanghai').day, 31);
});

test('weekly by day with an interval and a count (the first due date counts)', () => {
  // Monday 5 January 2026; every other week on Mon, Wed, Fri; 5 in all.
  assert.deepEqual(
    occurrences(
      rule({ every: 2, unit: 'week', byDay: ['MO', 'WE', 'FR'], count: 5 }),
      '2026-01-05T09:00:00.000Z',
      'UTC',
      10,
    ),
    ['2026-01-07T09:00:00.000Z', '2026-01-09T09:00:00.000Z', '2026-01-19T09:00:00.000Z', '2026-01-21T09:00:00.000Z'],
  );
  // Starting on a Wednesday with BYDAY=MO,FR: Friday, then next Monday.
  assert.deepEqual(
    occurrences(rule({ every: 1, unit: 'week', byDay: ['FR', 'MO'] }), '2026-01-07T09:00:00.000Z', 'UTC', 2),
    ['2026-01-09T09:00:00.000Z', '2026-01-12T09:00:00.000Z'],
  );
  // Plain weekly keeps the weekday; daily by day filters weekdays (Friday 9 Jan → Monday 12 Jan).
  assert.deepEqual(occurrences(rule({ every: 1, unit: 'week' }), '2026-01-07T09:00:00.000Z', 'UTC', 1), [
    '2026-01-14T09:00:00.000Z',
  ]);
  assert.deepEqual(
    occurrences(
      rule({ every: 1, unit: 'day', byDay: ['MO', 'TU', 'WE', 'TH', 'FR'] }),
      '2026-01-09T09:00:00.000Z',
      'UTC',
      1,
    ),
    ['2026-01-12T09:00:00.000Z'],
  );
});

test('until is inclusive; nextOccurrence honours count from the task’s position in the series', () => {
  assert.deepEqual(
    occurrences(rule({ every: 1, unit: 'day', until: '2026-01-03T09:00:00Z' }), '2026-01-01T09:00:00.000Z', 'UTC', 10),
    ['2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z'],
  );
  const three = rule({ every: 1, unit: 'day', count: 3 });
  assert.equal(nextOccurrence(three, '2026-01-02T09:00:00.000Z', 'UTC', 2), '2026-01-03T09:00:00.000Z');
  assert.equal(nextOccurrence(three, '2026-01-03T09:00:00.000Z', 'UTC', 3), undefined);
  assert.equal(
    nextOccurrence(rule({ every: 1, unit: 'day', until: '2026-01-03T08:59:59Z' }), '2026-01-02T09:00:00.000Z', 'UTC'),
    undefined,
  );
});

test('RRULE text parses into the subset and formats back', () => {
  const parsed = parseRRule('RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6');
  assert.deepEqual(parsed, { every: 2, unit: 'week', byDay: ['MO', 'WE'], count: 6 });
  assert.equal(formatRRule(parsed), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6');
  const until = parseRRule('FREQ=DAILY;UNTIL=20260131T090000Z');
  assert.deepEqual(until, { every: 1, unit: 'day', until: '2026-01-31T09:00:00.000Z' });
  assert.equal(formatRRule(until), 'FREQ=DAILY;INTERVAL=1;UNTIL=20260131T090000Z');
  assert.deepEqual(parseRRule(formatRRule(until)), until);
});

test('unsupported or invalid RRULE parts are refused naming the part', () => {
  const fields = (text: string) => {
    try {
      parseRRule(text);
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(fields('FREQ=YEARLY'), ['FREQ']);
  assert.deepEqual(fields('FREQ=MONTHLY;BYSETPOS=1'), ['BYSETPOS']);
  assert.deepEqual(fields('INTERVAL=2'), ['FREQ']);
  assert.deepEqual(fields('FREQ=MONTHLY;BYDAY=MO'), ['byDay']);
  assert.deepEqual(fields('FREQ=DAILY;COUNT=2;UNTIL=20260101'), ['until']);
  assert.deepEqual(fields('FREQ=DAILY;BYDAY=XX'), ['byDay.0']);
  assert.deepEqual(fields('FREQ=DAILY;INTERVAL=0'), ['every']);
});
