import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '@crmkit/core';
import { normalisePhoneE164 } from '@crmkit/core/phone';
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
  const options = { normalisePhone: normalisePhoneE164 };
  const stored = toDedupeRecord('customer', { id: 'c9', phones: ['020 7946 0000'], country: 'GB' }, options);
  assert.deepEqual(stored.phones, ['+442079460000']);
  const unparseable = toDedupeRecord('customer', { id: 'c9', phones: ['+44 (20) 7946-0000 ext'] }, options);
  assert.deepEqual(unparseable.phones, ['+442079460000'], 'digits are kept when a stored number does not parse');
  const digitsOnly = toDedupeRecord('customer', { id: 'c9', phones: ['020 7946 0000', '+44 20 7946 0000'] });
  assert.deepEqual(digitsOnly.phones, ['02079460000', '+442079460000'], 'without a normaliser: digits and +');
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

test('every legal-form word is dropped from a company key, whatever its case or punctuation', () => {
  const words = [
    'ltd',
    'limited',
    'inc',
    'incorporated',
    'llc',
    'llp',
    'plc',
    'gmbh',
    'ag',
    'sa',
    'sarl',
    'bv',
    'nv',
    'co',
    'corp',
    'corporation',
    'company',
    'pte',
    'pty',
    'kk',
  ];
  for (const word of words) {
    assert.equal(companyKey(`Acme Widgets ${word}`), 'acme widgets', word);
    assert.equal(companyKey(`${word.toUpperCase()}. Acme`), 'acme', `${word} first, upper case`);
  }
  assert.equal(companyKey('Acme Widgets Holdings'), 'acme holdings widgets', 'other words stay, sorted');
});

test('Chinese legal endings: each is dropped, repeatedly and longest first, but a bare legal form is kept', () => {
  for (const suffix of ['股份有限公司', '有限责任公司', '有限公司', '集团公司', '集团', '公司']) {
    assert.equal(companyKey(`北京华为技术${suffix}`), '北京华为技术', suffix);
    assert.equal(companyKey(suffix), suffix, `${suffix} alone is kept`);
  }
  // Stripping `集团` uncovers `有限公司`, which goes whole (not just its `公司`).
  assert.equal(companyKey('华为技术有限公司集团'), '华为技术');
  assert.equal(companyKey('华为集团 公司'), '华为', 'space before an ending is trimmed, so the next one is seen');
  assert.equal(companyKey('  华为技术有限公司 '), '华为技术', 'surrounding space does not hide an ending');
});

test('name keys: words sorted and joined by one space; marks, case and punctuation folded', () => {
  assert.equal(nameKey('Lovelace Ada'), 'ada lovelace');
  assert.equal(nameKey('Ada  King-Lovelace'), 'ada king lovelace');
  assert.equal(nameKey('Zoë'), 'zoe');
  assert.equal(nameKey('  !! '), '');
});

test('Jaro–Winkler: the published values, empty strings, and the four-letter prefix bonus', () => {
  // Winkler (1990) / Wikipedia reference pairs: exercise the match window, transpositions and unmatched letters.
  const cases: [string, string, string][] = [
    ['martha', 'marhta', '0.961'],
    ['dwayne', 'duane', '0.840'],
    ['dixon', 'dicksonx', '0.813'],
    ['crate', 'trace', '0.733'],
    ['jellyfish', 'smellyfish', '0.896'],
    // A common prefix counts for at most four letters.
    ['abcdefg', 'abcdexy', '0.886'],
  ];
  for (const [a, b, expected] of cases) {
    assert.equal(jaroWinkler(a, b).toFixed(3), expected, `${a} / ${b}`);
    assert.equal(jaroWinkler(b, a).toFixed(3), expected, `${b} / ${a}`);
  }
  assert.equal(jaroWinkler('', ''), 1, 'two empty strings are equal');
  assert.equal(jaroWinkler('abc', ''), 0);
});

test('Jaro–Winkler is symmetric, within 0..1, and 1 only for equal strings', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const ab = jaroWinkler(a, b);
      assert.ok(Math.abs(ab - jaroWinkler(b, a)) < 1e-12);
      assert.ok(ab >= 0 && ab <= 1);
      assert.equal(ab === 1, a === b);
      assert.equal(jaroWinkler(a, a), 1);
    }),
  );
});

const ada = { name: 'Ada Lovelace', company: 'Analytical Engines', emails: [], phones: [] };

test('fuzzy rule: a similarity exactly at the threshold matches, for the name and for the company; exact score', () => {
  const nameSimilarity = jaroWinkler(nameKey('Ada Lovelase'), nameKey('Ada Lovelace'));
  const atName = resolveDedupeRules({ nameCompany: { policy: 'alert', threshold: nameSimilarity } });
  const typo = { ...ada, name: 'Ada Lovelase' };
  assert.deepEqual(findDuplicateMatches(typo, records, atName), [
    {
      kind: 'lead',
      id: 'l1',
      score: 0.885,
      fields: ['company', 'name'],
      policy: 'alert',
      rules: [{ rule: 'nameCompany', score: 0.885, fields: ['company', 'name'], policy: 'alert' }],
    },
  ]);
  const above = resolveDedupeRules({ nameCompany: { policy: 'alert', threshold: nameSimilarity + 1e-9 } });
  assert.deepEqual(findDuplicateMatches(typo, records, above), []);

  const companySimilarity = jaroWinkler(companyKey('Analytical Engine'), companyKey('Analytical Engines Ltd'));
  const other = { ...ada, company: 'Analytical Engine' };
  const atCompany = resolveDedupeRules({ nameCompany: { policy: 'block', threshold: companySimilarity } });
  assert.deepEqual(
    findDuplicateMatches(other, records, atCompany).map((m) => [m.id, m.score, m.policy]),
    [['l1', 0.895, 'block']],
  );
  const aboveCompany = resolveDedupeRules({ nameCompany: { policy: 'alert', threshold: companySimilarity + 1e-9 } });
  assert.deepEqual(findDuplicateMatches(other, records, aboveCompany), []);

  // Identical keys reach even a threshold of 1.
  const exact = resolveDedupeRules({ nameCompany: { policy: 'alert', threshold: 1 } });
  assert.deepEqual(
    findDuplicateMatches(ada, records, exact).map((m) => [m.id, m.score]),
    [['l1', 0.9]],
  );
});

test('the strictest policy wins whichever rule carries it', () => {
  const subject = { emails: ['ada@example.com'], phones: ['+8613800138000'] };
  const record: DedupeRecord = { kind: 'lead', id: 'x', emails: ['ada@example.com'], phones: ['+8613800138000'] };
  for (const [email, phone] of [
    ['alert', 'block'],
    ['block', 'alert'],
  ] as const) {
    const rules = resolveDedupeRules({ email: { policy: email }, phone: { policy: phone } });
    const [match] = findDuplicateMatches(subject, [record], rules);
    assert.equal(match?.policy, 'block', `email ${email}, phone ${phone}`);
    assert.equal(match?.score, 1);
    assert.deepEqual(
      match?.rules.map((r) => [r.rule, r.policy]),
      [
        ['email', email],
        ['phone', phone],
      ],
    );
  }
});

test('allow switches off the phone and the fuzzy rule too; empty emails and phones never match', () => {
  const record: DedupeRecord = { kind: 'lead', id: 'x', ...ada, emails: [''], phones: ['+8613800138000', ''] };
  const subject = { ...ada, emails: [''], phones: ['+8613800138000'] };
  assert.deepEqual(
    findDuplicateMatches(subject, [record], alertAll).map((m) => m.fields),
    [['company', 'name', 'phone']],
  );
  const noPhone = resolveDedupeRules({ phone: { policy: 'allow' } });
  assert.deepEqual(
    findDuplicateMatches(subject, [record], noPhone).map((m) => m.fields),
    [['company', 'name']],
  );
  const noFuzzy = resolveDedupeRules({ phone: { policy: 'allow' }, nameCompany: { policy: 'allow' } });
  assert.deepEqual(findDuplicateMatches(subject, [record], noFuzzy), []);
  assert.deepEqual(
    findDuplicateMatches({ emails: [''], phones: [''] }, [{ kind: 'lead', id: 'e', emails: [''], phones: [''] }]),
    [],
  );
});

test('exclude skips only the record with that kind and that id', () => {
  const subject = { emails: ['ada@example.com'], phones: [] };
  const same = (kind: DedupeRecord['kind'], id: string): DedupeRecord => ({
    kind,
    id,
    emails: ['ada@example.com'],
    phones: [],
  });
  const matches = findDuplicateMatches(
    subject,
    [same('lead', 'x'), same('customer', 'x'), same('lead', 'y')],
    DEFAULT_DEDUPE_RULES,
    { exclude: { kind: 'lead', id: 'x' } },
  );
  assert.deepEqual(
    matches.map((m) => [m.kind, m.id]),
    [
      ['customer', 'x'],
      ['lead', 'y'],
    ],
  );
});

test('matches are sorted by score descending, then kind, then id, whatever the input order', () => {
  const subject = { ...ada, emails: ['ada@example.com'], phones: ['+8613800138000'] };
  const byEmail = (kind: DedupeRecord['kind'], id: string): DedupeRecord => ({
    kind,
    id,
    emails: ['ada@example.com'],
    phones: [],
  });
  const input: DedupeRecord[] = [
    { kind: 'contact', id: 'f', ...ada, name: 'Ada Lovelase', emails: [], phones: [] },
    { kind: 'lead', id: 'p', emails: [], phones: ['+8613800138000'] },
    byEmail('lead', 'b'),
    byEmail('lead', 'a'),
    byEmail('customer', 'z'),
    byEmail('contact', 'm'),
    byEmail('lead', 'c'),
  ];
  const expected = [
    ['contact', 'm', 1],
    ['customer', 'z', 1],
    ['lead', 'a', 1],
    ['lead', 'b', 1],
    ['lead', 'c', 1],
    ['lead', 'p', 0.95],
    ['contact', 'f', 0.885],
  ];
  fc.assert(
    fc.property(fc.shuffledSubarray(input, { minLength: input.length }), (shuffled) => {
      assert.deepEqual(
        findDuplicateMatches(subject, shuffled, alertAll).map((m) => [m.kind, m.id, m.score]),
        expected,
      );
    }),
  );
});

test('partitionMatches splits by policy and keeps the order', () => {
  const rules = resolveDedupeRules({ email: { policy: 'block' }, phone: { policy: 'alert' } });
  const matches = findDuplicateMatches(
    { emails: ['ada@example.com'], phones: ['+8613800138000'] },
    [
      { kind: 'lead', id: 'p2', emails: [], phones: ['+8613800138000'] },
      { kind: 'lead', id: 'e2', emails: ['ada@example.com'], phones: [] },
      { kind: 'lead', id: 'p1', emails: [], phones: ['+8613800138000'] },
      { kind: 'lead', id: 'e1', emails: ['ada@example.com'], phones: [] },
    ],
    rules,
  );
  const { block, alert } = partitionMatches(matches);
  assert.deepEqual(
    block.map((m) => m.id),
    ['e1', 'e2'],
  );
  assert.deepEqual(
    alert.map((m) => m.id),
    ['p1', 'p2'],
  );
  assert.deepEqual(partitionMatches([]), { block: [], alert: [] });
});

test('toDedupeRecord: single and listed emails and phones, in that order; name and company only when given', () => {
  assert.deepEqual(
    toDedupeRecord(
      'lead',
      {
        id: 'l9',
        name: 'Ada',
        company: 'Acme',
        email: ' Ada@Example.com ',
        emails: ['b@example.com'],
        phone: '020 7946 0000',
        phones: ['+86 138 0013 8000'],
      },
      { defaultRegion: 'GB', normalisePhone: normalisePhoneE164 },
    ),
    {
      kind: 'lead',
      id: 'l9',
      name: 'Ada',
      company: 'Acme',
      emails: ['ada@example.com', 'b@example.com'],
      phones: ['+442079460000', '+8613800138000'],
    },
  );
  const bare = toDedupeRecord('contact', { id: 'k9' });
  assert.deepEqual(bare, { kind: 'contact', id: 'k9', emails: [], phones: [] });
  assert.ok(!('name' in bare) && !('company' in bare));
  assert.deepEqual(toDedupeRecord('lead', { id: 'x', phone: '12', email: 'a@b.c' }).phones, ['12']);
});

test('a bad rule configuration names the dedupe rules in its message', () => {
  assert.throws(() => resolveDedupeRules({ email: { policy: 'nope' as never } }), /dedupe rules/);
});
