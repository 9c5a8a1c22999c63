import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@crmkit/core';
import {
  DEFAULT_DEDUPE_RULES,
  companyKey,
  findDuplicateMatches,
  jaroWinkler,
  nameKey,
  partitionMatches,
  resolveDedupeRules,
  toDedupeRecord,
  type DedupeRecord,
  type DedupeRules,
} from '../src/leads/index.js';

const alertAll: DedupeRules = resolveDedupeRules({
  email: { policy: 'alert' },
  phone: { policy: 'alert' },
  nameCompany: { policy: 'alert' },
});

const records: DedupeRecord[] = [
  {
    kind: 'lead',
    id: 'l1',
    name: 'Ada Lovelace',
    company: 'Analytical Engines Ltd',
    emails: ['ada@example.com'],
    phones: [],
  },
  { kind: 'customer', id: 'c1', name: 'Charles Babbage', emails: [], phones: ['+442079460000'] },
  { kind: 'contact', id: 'k1', name: '张伟', company: '华为技术有限公司', emails: [], phones: [] },
  { kind: 'lead', id: 'l2', name: 'Grace Hopper', company: 'Navy', emails: ['grace@navy.mil'], phones: [] },
];

test('exact email: score 1, field email', () => {
  const matches = findDuplicateMatches({ emails: ['ada@example.com'], phones: [] }, records, alertAll);
  assert.deepEqual(matches, [
    {
      kind: 'lead',
      id: 'l1',
      score: 1,
      fields: ['email'],
      policy: 'alert',
      rules: [{ rule: 'email', score: 1, fields: ['email'], policy: 'alert' }],
    },
  ]);
  assert.deepEqual(
    findDuplicateMatches({ emails: [' ADA@example.com'], phones: [] }, records, alertAll).map((m) => m.id),
    ['l1'],
    'the subject’s emails are normalised too',
  );
});

test('normalised phone: score 0.95, field phone; stored loose formats match through toDedupeRecord', () => {
  const matches = findDuplicateMatches({ emails: [], phones: ['+442079460000'] }, records, alertAll);
  assert.deepEqual(
    matches.map((m) => [m.kind, m.id, m.score, m.fields]),
    [['customer', 'c1', 0.95, ['phone']]],
  );
  const stored = toDedupeRecord('customer', { id: 'c9', phones: ['020 7946 0000'], country: 'GB' });
  assert.deepEqual(stored.phones, ['+442079460000']);
  const unparseable = toDedupeRecord('customer', { id: 'c9', phones: ['+44 (20) 7946-0000 ext'] });
  assert.deepEqual(unparseable.phones, ['+442079460000'], 'digits are kept when a stored number does not parse');
});

test('fuzzy name + company: case, accents, word order and legal forms do not matter; both must be similar', () => {
  const subject = { name: 'lovelace, ADA', company: 'Analytical Engines', emails: [], phones: [] };
  const [match] = findDuplicateMatches(subject, records, alertAll);
  assert.equal(match?.id, 'l1');
  assert.deepEqual(match?.fields, ['company', 'name']);
  assert.equal(match?.score, 0.9);
  // A typo still matches; another company does not.
  assert.equal(
    findDuplicateMatches({ ...subject, name: 'Ada Lovelase' }, records, alertAll)[0]?.id,
    'l1',
    'one letter off',
  );
  assert.deepEqual(findDuplicateMatches({ ...subject, company: 'Difference Engines' }, records, alertAll), []);
  // Chinese names and company suffixes.
  const chinese = findDuplicateMatches(
    { name: '张伟', company: '华为技术', emails: [], phones: [] },
    records,
    alertAll,
  );
  assert.deepEqual(
    chinese.map((m) => [m.kind, m.id]),
    [['contact', 'k1']],
  );
  // A name without a company is never fuzzy-matched (names alone are not unique).
  assert.deepEqual(findDuplicateMatches({ name: 'Ada Lovelace', emails: [], phones: [] }, records, alertAll), []);
});

test('the threshold is configurable', () => {
  const strict = resolveDedupeRules({ nameCompany: { policy: 'alert', threshold: 1 } });
  const subject = { name: 'Ada Lovelase', company: 'Analytical Engines', emails: [], phones: [] };
  assert.deepEqual(findDuplicateMatches(subject, records, strict), []);
});

test('one match per record, every rule listed, strictest policy and highest score win; sorted strongest first', () => {
  const rules = resolveDedupeRules({ email: { policy: 'block' }, phone: { policy: 'alert' } });
  const both: DedupeRecord = {
    kind: 'customer',
    id: 'c2',
    name: 'Ada Lovelace',
    company: 'Analytical Engines',
    emails: ['ada@example.com'],
    phones: ['+8613800138000'],
  };
  const matches = findDuplicateMatches(
    { name: 'Ada Lovelace', company: 'Analytical Engines', emails: ['ada@example.com'], phones: ['+8613800138000'] },
    [records[1]!, both, records[0]!],
    rules,
  );
  assert.deepEqual(
    matches.map((m) => [m.kind, m.id, m.score, m.policy, m.fields, m.rules.map((r) => r.rule)]),
    [
      ['customer', 'c2', 1, 'block', ['company', 'email', 'name', 'phone'], ['email', 'phone', 'nameCompany']],
      ['lead', 'l1', 1, 'block', ['company', 'email', 'name'], ['email', 'nameCompany']],
    ],
  );
  const { block, alert } = partitionMatches(matches);
  assert.equal(block.length, 2);
  assert.equal(alert.length, 0);
});

test('allow turns a rule off; exclude skips the record itself', () => {
  const allowEmail = resolveDedupeRules({ email: { policy: 'allow' } });
  assert.deepEqual(findDuplicateMatches({ emails: ['ada@example.com'], phones: [] }, records, allowEmail), []);
  assert.deepEqual(
    findDuplicateMatches({ emails: ['ada@example.com'], phones: [] }, records, DEFAULT_DEDUPE_RULES, {
      exclude: { kind: 'lead', id: 'l1' },
    }),
    [],
  );
});

test('defaults: email blocks, phone and name + company alert, threshold 0.9', () => {
  assert.deepEqual(resolveDedupeRules(undefined), {
    email: { policy: 'block' },
    phone: { policy: 'alert' },
    nameCompany: { policy: 'alert', threshold: 0.9 },
  });
  assert.throws(
    () => resolveDedupeRules({ phone: { policy: 'warn' as never }, nameCompany: { policy: 'alert', threshold: 2 } }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields.sort(), ['nameCompany.threshold', 'phone.policy']);
      return true;
    },
  );
});

test('keys and similarity', () => {
  assert.equal(nameKey(' Lovelace,  Ádá '), 'ada lovelace');
  assert.equal(companyKey('Acme Ltd.'), 'acme');
  assert.equal(companyKey('ACME, Inc'), 'acme');
  assert.equal(companyKey('Acme Co., Ltd.'), 'acme');
  assert.equal(companyKey('华为技术有限公司'), '华为技术');
  assert.equal(companyKey('北京某某科技股份有限公司'), '北京某某科技');
  assert.equal(companyKey('Ltd'), 'ltd', 'a name that is only a legal form keeps it');
  assert.equal(jaroWinkler('martha', 'marhta').toFixed(3), '0.961');
  assert.equal(jaroWinkler('abc', 'abc'), 1);
  assert.equal(jaroWinkler('abc', 'xyz'), 0);
  assert.equal(jaroWinkler('', 'abc'), 0);
});
