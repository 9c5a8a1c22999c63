import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as z from 'zod/mini';
import { ValidationError, parseOrThrow } from '@crmkit/core';
import {
  activityInputSchema,
  activityPatchSchema,
  activitySchema,
  auditEntryInputSchema,
  auditEntrySchema,
  consentInputSchema,
  consentSchema,
  contactInputSchema,
  contactSchema,
  countryCodeSchema,
  createId,
  customFieldDefinitionInputSchema,
  customFieldDefinitionSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  dateOnlySchema,
  dealInputSchema,
  dealSchema,
  defaultIdGenerator,
  emailSchema,
  instantSchema,
  leadInputSchema,
  leadSchema,
  localeSchema,
  phoneSchema,
  pipelineInputSchema,
  pipelineSchema,
  safeUrlSchema,
  segmentInputSchema,
  segmentSchema,
  stageChangeInputSchema,
  stageChangeSchema,
  taskInputSchema,
  taskSchema,
  teamInputSchema,
  teamSchema,
  userInputSchema,
  userSchema,
} from '@crmkit/core';

/** The dotted field paths of the ValidationError that parsing `input` throws. */
function fieldsOf(schema: z.ZodMiniType, input: unknown): string[] {
  try {
    parseOrThrow(schema, input, 'test');
  } catch (error) {
    assert.ok(error instanceof ValidationError, 'expected a ValidationError');
    return error.fields;
  }
  assert.fail('expected a ValidationError');
}

const meta = { id: 'rec-1', version: 3, createdAt: '2024-05-01T08:00:00.000Z', updatedAt: '2024-05-02T08:00:00.000Z' };

const person = {
  kind: 'person',
  name: '  Wang Fang ',
  givenName: 'Fang',
  familyName: 'Wang',
  emails: [' Wang.Fang@Example.COM '],
  phones: ['+86 138-0013-8000'],
  company: 'Acme Trading',
  website: 'https://acme.example.cn/about',
  source: 'trade_show',
  ownerId: 'u-1',
  tags: ['vip'],
  lifecycleStage: 'lead',
  country: 'cn',
  address: { line1: '1 Nanjing Road', city: 'Shanghai', postalCode: '200000', country: 'CN' },
  customFields: { region: 'east', employees: 120 },
};

/** One realistic valid input per entity, with its input and record schemas. */
const fixtures: { name: string; input: z.ZodMiniType; record: z.ZodMiniType; value: Record<string, unknown> }[] = [
  { name: 'customer (person)', input: customerInputSchema, record: customerSchema, value: person },
  {
    name: 'customer (organisation)',
    input: customerInputSchema,
    record: customerSchema,
    value: { kind: 'organisation', name: '深圳市某某科技有限公司', website: 'http://example.com', country: 'CN' },
  },
  {
    name: 'contact',
    input: contactInputSchema,
    record: contactSchema,
    value: { customerId: 'c-1', name: 'Li Lei', title: 'CTO', emails: ['li@example.com'], primary: true },
  },
  {
    name: 'lead',
    input: leadInputSchema,
    record: leadSchema,
    value: {
      name: 'Zhang San',
      company: 'Example Ltd',
      email: 'zhang@example.com',
      phone: '+86 10 1234 5678',
      source: 'web',
      campaign: 'Spring Expo',
      status: 'qualified',
      score: 72.5,
      ownerId: 'u-2',
      customFields: { budget: { amountMinor: 5_000_000, currency: 'CNY' } },
    },
  },
  {
    name: 'deal',
    input: dealInputSchema,
    record: dealSchema,
    value: {
      title: 'ERP rollout',
      customerId: 'c-1',
      pipelineId: 'p-1',
      stageId: 's-proposal',
      amount: { amountMinor: 12_345_600, currency: 'CNY' },
      ownerId: 'u-1',
      expectedCloseDate: '2024-12-31',
      stageEnteredAt: '2024-06-01T10:00:00+08:00',
      source: 'referral',
    },
  },
  {
    name: 'pipeline',
    input: pipelineInputSchema,
    record: pipelineSchema,
    value: {
      name: { en: 'New business', 'zh-CN': '新业务' },
      isDefault: true,
      stages: [
        {
          id: 'qualify',
          name: { en: 'Qualify', 'zh-CN': '资格确认' },
          probability: 0.1,
          kind: 'open',
          rottingDays: 14,
        },
        {
          id: 'proposal',
          name: { en: 'Proposal', 'zh-CN': '报价/提案' },
          probability: 0.6,
          kind: 'open',
          gate: { requiredFields: ['amount', 'expectedCloseDate', 'customFields.region'] },
        },
        { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
        { id: 'lost', name: { en: 'Lost', 'zh-CN': '丢单' }, probability: 0, kind: 'lost' },
      ],
    },
  },
  {
    name: 'stage change',
    input: stageChangeInputSchema,
    record: stageChangeSchema,
    value: {
      dealId: 'd-1',
      pipelineId: 'p-1',
      fromStageId: null,
      toStageId: 'qualify',
      at: '2024-06-01T02:00:00.000Z',
      by: 'u-1',
    },
  },
  {
    name: 'activity',
    input: activityInputSchema,
    record: activitySchema,
    value: {
      type: 'call',
      channel: 'phone',
      direction: 'outbound',
      subject: 'Discovery call',
      body: '  Discussed budget.\n  - timeline Q3',
      occurredAt: '2024-06-03T15:30:00+08:00',
      durationMinutes: 25,
      customerId: 'c-1',
      dealId: 'd-1',
      ownerId: 'u-1',
    },
  },
  {
    name: 'task',
    input: taskInputSchema,
    record: taskSchema,
    value: {
      title: 'Send proposal',
      type: 'follow_up',
      dueAt: '2024-06-05T09:00:00+08:00',
      reminders: [{ minutesBefore: 30 }, { at: '2024-06-04T09:00:00Z' }],
      recurrence: { every: 1, unit: 'week' },
      related: { kind: 'deal', id: 'd-1' },
      assigneeId: 'u-1',
    },
  },
  {
    name: 'user',
    input: userInputSchema,
    record: userSchema,
    value: {
      name: 'Chen Jing',
      email: 'Chen.Jing@Example.com',
      role: 'manager',
      teamId: 't-1',
      capacity: 40,
      locale: 'zh-cn',
    },
  },
  {
    name: 'team',
    input: teamInputSchema,
    record: teamSchema,
    value: { name: 'East China', managerId: 'u-3', memberIds: ['u-1', 'u-2'] },
  },
  {
    name: 'segment',
    input: segmentInputSchema,
    record: segmentSchema,
    value: {
      name: 'VIP in Shanghai',
      filter: {
        all: [
          { field: 'tags', op: 'hasAny', values: ['vip'] },
          { field: 'address.city', op: 'eq', value: 'Shanghai' },
        ],
      },
    },
  },
  {
    name: 'consent',
    input: consentInputSchema,
    record: consentSchema,
    value: {
      subjectKind: 'contact',
      subjectId: 'ct-1',
      purpose: 'marketing_email',
      legalBasis: 'consent',
      status: 'granted',
      at: '2024-01-01T00:00:00Z',
      source: 'signup_form',
      textVersion: '2024-01',
    },
  },
  {
    name: 'audit entry',
    input: auditEntryInputSchema,
    record: auditEntrySchema,
    value: {
      at: '2024-06-01T00:00:00Z',
      actorId: 'u-1',
      action: 'update',
      entity: 'customers',
      entityId: 'c-1',
      changedFields: ['name', 'emails.0', 'customFields.region'],
    },
  },
  {
    name: 'custom field definition',
    input: customFieldDefinitionInputSchema,
    record: customFieldDefinitionSchema,
    value: {
      entity: 'customer',
      key: 'region',
      label: { en: 'Region', 'zh-CN': '区域' },
      type: 'select',
      options: [{ value: 'east', label: { en: 'East', 'zh-CN': '华东' } }],
      required: true,
    },
  },
];

describe('entities', () => {
  for (const { name, input, record, value } of fixtures) {
    test(`${name}: a realistic input parses, and its record round-trips through JSON`, () => {
      const parsed = parseOrThrow(input, value) as Record<string, unknown>;
      assert.deepEqual(parseOrThrow(input, parsed), parsed, 'parsing is idempotent');
      const stored = parseOrThrow(record, JSON.parse(JSON.stringify({ ...parsed, ...meta })));
      assert.deepEqual(stored, { ...meta, ...parsed });
      assert.deepEqual(parseOrThrow(record, JSON.parse(JSON.stringify(stored))), stored);
    });
  }

  test('a customer input is normalised: trimmed, lower-cased email, upper-cased country', () => {
    const customer = parseOrThrow(customerInputSchema, person);
    assert.equal(customer.name, 'Wang Fang');
    assert.deepEqual(customer.emails, ['wang.fang@example.com']);
    assert.equal(customer.country, 'CN');
  });

  test('bodies keep their whitespace; locales are canonicalised; instants become UTC', () => {
    const activity = parseOrThrow(activityInputSchema, fixtures.find((f) => f.name === 'activity')?.value);
    assert.equal(activity.body, '  Discussed budget.\n  - timeline Q3');
    assert.equal(activity.occurredAt, '2024-06-03T07:30:00.000Z');
    const user = parseOrThrow(userInputSchema, fixtures.find((f) => f.name === 'user')?.value);
    assert.equal(user.locale, 'zh-CN');
    assert.equal(user.email, 'chen.jing@example.com');
  });

  test('defaults are applied to a minimal input, and default arrays are never shared', () => {
    const a = parseOrThrow(customerInputSchema, { kind: 'person', name: 'A' });
    assert.deepEqual(a, {
      kind: 'person',
      name: 'A',
      emails: [],
      phones: [],
      tags: [],
      lifecycleStage: 'subscriber',
      customFields: {},
    });
    const b = parseOrThrow(customerInputSchema, { kind: 'person', name: 'B' });
    a.tags.push('x');
    a.customFields['k'] = 1;
    assert.deepEqual(b.tags, []);
    assert.deepEqual(b.customFields, {});

    const defaults: [z.ZodMiniType, unknown, Record<string, unknown>][] = [
      [contactInputSchema, { customerId: 'c', name: 'N' }, { primary: false, emails: [], phones: [] }],
      [leadInputSchema, { name: 'N' }, { status: 'new', score: 0 }],
      [
        dealInputSchema,
        { title: 'T', customerId: 'c', pipelineId: 'p', stageId: 's', amount: { amountMinor: 0, currency: 'USD' } },
        { status: 'open' },
      ],
      [pipelineInputSchema, fixtures.find((f) => f.name === 'pipeline')?.value, { isDefault: true }],
      [
        taskInputSchema,
        { title: 'T', type: 'todo', dueAt: '2024-01-01T00:00:00Z', assigneeId: 'u' },
        { status: 'open', reminders: [] },
      ],
      [userInputSchema, { name: 'N', email: 'n@example.com' }, { role: 'rep', active: true }],
      [teamInputSchema, { name: 'N' }, { memberIds: [] }],
      [segmentInputSchema, { name: 'N', filter: { all: [] } }, { entity: 'customer', saved: true }],
      [
        auditEntryInputSchema,
        { at: '2024-01-01T00:00:00Z', actorId: 'system', action: 'delete', entity: 'deals', entityId: 'd' },
        { changedFields: [] },
      ],
    ];
    for (const [schema, input, expected] of defaults) {
      const parsed = parseOrThrow(schema, input) as Record<string, unknown>;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(parsed[key], value, key);
    }
  });

  test('unknown keys are refused at every level, each at its own path, record metadata included', () => {
    const input = {
      kind: 'person',
      name: 'A',
      id: 'sneaky',
      version: 99,
      isAdmin: true,
      address: { city: 'Beijing', evil: '<script>' },
    };
    assert.deepEqual(fieldsOf(customerInputSchema, input).sort(), ['address.evil', 'id', 'isAdmin', 'version']);
    const pipeline = {
      name: { en: 'P', 'zh-CN': 'P', fr: 'P' },
      stages: [{ id: 's', name: { en: 'S', 'zh-CN': 'S' }, probability: 0, kind: 'open', colour: 'red' }],
    };
    assert.deepEqual(fieldsOf(pipelineInputSchema, pipeline).sort(), ['name.fr', 'stages.0.colour']);
    // A stored record is read, not refused: keys it does not know (an adapter's, a newer version's) are dropped.
    const stored = parseOrThrow(customerSchema, { ...input, ...meta, id: 'c1', version: 1, address: { city: 'B' } });
    assert.equal((stored as Record<string, unknown>)['isAdmin'], undefined);
  });

  test('the record schema requires metadata and normalises its instants', () => {
    const input = parseOrThrow(teamInputSchema, { name: 'T' });
    assert.deepEqual(fieldsOf(teamSchema, input).sort(), ['createdAt', 'id', 'updatedAt', 'version']);
    assert.deepEqual(fieldsOf(teamSchema, { ...input, ...meta, version: 0 }), ['version']);
    assert.deepEqual(fieldsOf(teamSchema, { ...input, ...meta, version: 1.5 }), ['version']);
    assert.deepEqual(fieldsOf(teamSchema, { ...input, ...meta, id: '' }), ['id']);
    assert.deepEqual(fieldsOf(teamSchema, { ...input, ...meta, id: 'x'.repeat(129) }), ['id']);
    const stored = parseOrThrow(teamSchema, { ...input, ...meta, createdAt: '2024-05-01T10:00:00+02:00' });
    assert.equal(stored.createdAt, '2024-05-01T08:00:00.000Z');
  });

  test('a patch is a partial input without defaults', () => {
    assert.deepEqual(parseOrThrow(customerPatchSchema, {}), {});
    assert.deepEqual(parseOrThrow(customerPatchSchema, { name: ' B ' }), { name: 'B' });
    assert.deepEqual(fieldsOf(customerPatchSchema, { name: ' B ', id: 'x', bogus: 1 }).sort(), ['bogus', 'id']);
    assert.deepEqual(parseOrThrow(customerPatchSchema, { tags: ['a'] }), { tags: ['a'] });
    assert.deepEqual(fieldsOf(customerPatchSchema, { emails: ['nope'] }), ['emails.0']);
    assert.deepEqual(fieldsOf(activityPatchSchema, { occurredAt: 'yesterday' }), ['occurredAt']);
  });

  const base = Object.fromEntries(fixtures.map((f) => [f.name, f.value]));
  const bad: [string, z.ZodMiniType, Record<string, unknown>, string][] = [
    ['customer (person)', customerInputSchema, { kind: 'robot' }, 'kind'],
    ['customer (person)', customerInputSchema, { name: '   ' }, 'name'],
    ['customer (person)', customerInputSchema, { name: 'x'.repeat(201) }, 'name'],
    ['customer (person)', customerInputSchema, { name: 42 }, 'name'],
    ['customer (person)', customerInputSchema, { emails: ['ok@example.com', 'not-an-email'] }, 'emails.1'],
    ['customer (person)', customerInputSchema, { phones: ['call me'] }, 'phones.0'],
    ['customer (person)', customerInputSchema, { website: 'javascript:alert(1)' }, 'website'],
    ['customer (person)', customerInputSchema, { lifecycleStage: 'Not a stage' }, 'lifecycleStage'],
    ['customer (person)', customerInputSchema, { country: 'CHN' }, 'country'],
    ['customer (person)', customerInputSchema, { address: { country: 'China' } }, 'address.country'],
    ['customer (person)', customerInputSchema, { tags: [''] }, 'tags.0'],
    ['customer (person)', customerInputSchema, { ownerId: '' }, 'ownerId'],
    ['customer (person)', customerInputSchema, { customFields: { Region: 'x' } }, 'customFields.Region'],
    ['customer (person)', customerInputSchema, { customFields: { region: { nested: true } } }, 'customFields.region'],
    ['contact', contactInputSchema, { customerId: undefined }, 'customerId'],
    ['contact', contactInputSchema, { primary: 'yes' }, 'primary'],
    ['lead', leadInputSchema, { status: 'won' }, 'status'],
    ['lead', leadInputSchema, { score: Number.NaN }, 'score'],
    ['lead', leadInputSchema, { email: 'zhang@' }, 'email'],
    ['deal', dealInputSchema, { amount: { amountMinor: 1.5, currency: 'CNY' } }, 'amount.amountMinor'],
    ['deal', dealInputSchema, { amount: { amountMinor: -1, currency: 'CNY' } }, 'amount.amountMinor'],
    ['deal', dealInputSchema, { amount: { amountMinor: 1, currency: 'rmb' } }, 'amount.currency'],
    ['deal', dealInputSchema, { expectedCloseDate: '2023-02-29' }, 'expectedCloseDate'],
    ['deal', dealInputSchema, { closedAt: '2024-06-01 10:00' }, 'closedAt'],
    ['deal', dealInputSchema, { status: 'pending' }, 'status'],
    ['pipeline', pipelineInputSchema, { stages: [] }, 'stages'],
    ['pipeline', pipelineInputSchema, { name: { en: 'Only English' } }, 'name.zh-CN'],
    ['stage change', stageChangeInputSchema, { fromStageId: undefined }, 'fromStageId'],
    ['stage change', stageChangeInputSchema, { at: '2024-06-01T02:00:00' }, 'at'],
    ['activity', activityInputSchema, { type: 'fax' }, 'type'],
    ['activity', activityInputSchema, { direction: 'sideways' }, 'direction'],
    ['activity', activityInputSchema, { durationMinutes: -5 }, 'durationMinutes'],
    ['activity', activityInputSchema, { body: 'x'.repeat(20_001) }, 'body'],
    ['task', taskInputSchema, { type: 'nap' }, 'type'],
    ['task', taskInputSchema, { reminders: [{ minutesBefore: -1 }] }, 'reminders.0.minutesBefore'],
    ['task', taskInputSchema, { reminders: [{ when: 'soon' }] }, 'reminders.0'],
    ['task', taskInputSchema, { recurrence: { every: 0, unit: 'week' } }, 'recurrence.every'],
    ['task', taskInputSchema, { recurrence: { every: 1, unit: 'year' } }, 'recurrence.unit'],
    ['task', taskInputSchema, { related: { kind: 'user', id: 'u-1' } }, 'related.kind'],
    ['task', taskInputSchema, { assigneeId: undefined }, 'assigneeId'],
    ['user', userInputSchema, { role: 'root' }, 'role'],
    ['user', userInputSchema, { capacity: -1 }, 'capacity'],
    ['user', userInputSchema, { locale: 'not a locale!' }, 'locale'],
    ['team', teamInputSchema, { memberIds: [''] }, 'memberIds.0'],
    ['segment', segmentInputSchema, { entity: 'user' }, 'entity'],
    ['consent', consentInputSchema, { legalBasis: 'because' }, 'legalBasis'],
    ['consent', consentInputSchema, { status: 'maybe' }, 'status'],
    ['consent', consentInputSchema, { subjectKind: 'deal' }, 'subjectKind'],
    ['consent', consentInputSchema, { purpose: '' }, 'purpose'],
    ['audit entry', auditEntryInputSchema, { action: 'hack' }, 'action'],
    ['audit entry', auditEntryInputSchema, { changedFields: ['wang.fang@example.com'] }, 'changedFields.0'],
    ['audit entry', auditEntryInputSchema, { changedFields: ['Wang Fang'] }, 'changedFields.0'],
    ['audit entry', auditEntryInputSchema, { entity: 'customers; DROP TABLE' }, 'entity'],
  ];
  for (const [fixture, schema, change, path] of bad) {
    test(`${fixture}: ${JSON.stringify(change).slice(0, 60)} is rejected at ${path}`, () => {
      assert.deepEqual(fieldsOf(schema, { ...base[fixture], ...change }), [path]);
    });
  }

  test('a segment needs a filter in the filter language', () => {
    assert.deepEqual(fieldsOf(segmentInputSchema, { name: 'S' }), ['filter']);
    assert.deepEqual(fieldsOf(segmentInputSchema, { name: 'S', filter: { field: 'tags', op: 'like', value: 'x' } }), [
      'filter.op',
    ]);
  });

  test('pipeline stages: duplicate ids, probability range and gate field names are checked', () => {
    const stage = { id: 's', name: { en: 'S', 'zh-CN': 'S' }, probability: 0.5, kind: 'open' };
    const pipeline = (stages: unknown[]) => ({ name: { en: 'P', 'zh-CN': 'P' }, stages });
    assert.deepEqual(fieldsOf(pipelineInputSchema, pipeline([stage, { ...stage }])), ['stages.1.id']);
    assert.deepEqual(fieldsOf(pipelineInputSchema, pipeline([{ ...stage, probability: 1.2 }])), [
      'stages.0.probability',
    ]);
    assert.deepEqual(fieldsOf(pipelineInputSchema, pipeline([{ ...stage, kind: 'maybe' }])), ['stages.0.kind']);
    assert.deepEqual(fieldsOf(pipelineInputSchema, pipeline([{ ...stage, rottingDays: 0 }])), ['stages.0.rottingDays']);
    assert.deepEqual(
      fieldsOf(pipelineInputSchema, pipeline([{ ...stage, gate: { requiredFields: ['__proto__.x'] } }])),
      ['stages.0.gate.requiredFields.0'],
    );
  });
});

describe('field schemas', () => {
  test("instants and e-mail addresses accept exactly what zod's datetime and email formats accept", () => {
    const datetime = z.iso.datetime({ offset: true });
    const email = z.email();
    const instants = [
      '2024-02-29T12:00:00Z',
      '2023-02-29T12:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T08:00Z',
      '2024-05-01T08:00:00.123456+14:00',
      '2024-05-01T08:00:00+0800',
      '2024-05-01T08:00:00',
      '2024-05-01 08:00:00Z',
      '0000-01-01T00:00:00+00:00',
    ];
    for (const value of instants) {
      assert.equal(instantSchema.safeParse(value).success, datetime.safeParse(value).success, value);
    }
    const emails = [
      'li.lei@example.com',
      'a+b@x.io',
      '.a@x.io',
      'a..b@x.io',
      'a@x',
      'a@-x.io',
      "o'neil@x.co.uk",
      'a@x.c',
    ];
    for (const value of emails) {
      assert.equal(emailSchema.safeParse(value).success, email.safeParse(value).success, value);
    }
  });

  test('instants with any offset are normalised to UTC Z form', () => {
    const cases: [string, string][] = [
      ['2024-05-01T08:00:00Z', '2024-05-01T08:00:00.000Z'],
      ['2024-05-01T16:00:00+08:00', '2024-05-01T08:00:00.000Z'],
      ['2024-05-01T00:00:00-05:30', '2024-05-01T05:30:00.000Z'],
      ['2024-12-31T23:59:59.9999+00:00', '2024-12-31T23:59:59.999Z'],
      ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000Z'],
      ['2024-02-29T12:00:00.5Z', '2024-02-29T12:00:00.500Z'],
    ];
    for (const [input, expected] of cases) assert.equal(parseOrThrow(instantSchema, input), expected, input);
  });

  test('instants without an offset, impossible dates and out-of-range years are rejected', () => {
    for (const input of [
      '2024-05-01T08:00:00',
      '2024-05-01',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '0000-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59-05:00',
      'May 1, 2024',
      '1714550400000',
      1714550400000,
      '',
    ]) {
      assert.deepEqual(fieldsOf(instantSchema, input), ['(root)'], String(input));
    }
  });

  test('date-only values must be real calendar dates', () => {
    for (const ok of ['2024-02-29', '2000-02-29', '2023-12-31', '1999-01-01']) {
      assert.equal(parseOrThrow(dateOnlySchema, ok), ok);
    }
    for (const bad of ['2023-02-29', '1900-02-29', '2024-04-31', '2024-00-10', '2024-1-1', '2024-01-01T00:00:00Z']) {
      assert.throws(() => parseOrThrow(dateOnlySchema, bad), ValidationError, bad);
    }
  });

  test('emails are trimmed and lower-cased; phones are loosely E.164', () => {
    assert.equal(parseOrThrow(emailSchema, '  Li.Lei@Example.COM\n'), 'li.lei@example.com');
    for (const bad of ['li', 'li@', '@example.com', 'li lei@example.com', 'a@b', `${'x'.repeat(250)}@example.com`]) {
      assert.throws(() => parseOrThrow(emailSchema, bad), ValidationError, bad);
    }
    for (const ok of ['+8613800138000', '+86 138-0013-8000', '010-12345678', ' +1 555 123 4567 ', '10086']) {
      assert.equal(parseOrThrow(phoneSchema, ok), ok.trim());
    }
    for (const bad of ['', '12', '+', 'tel:+86138', '+1 (555) 123-4567', '+86--138', '1234567890123456', 'abc']) {
      assert.throws(() => parseOrThrow(phoneSchema, bad), ValidationError, bad);
    }
  });

  test('country codes are upper-cased ISO alpha-2', () => {
    assert.equal(parseOrThrow(countryCodeSchema, ' cn '), 'CN');
    for (const bad of ['CHN', 'C', 'C1', '中国'])
      assert.throws(() => parseOrThrow(countryCodeSchema, bad), ValidationError);
  });

  test('locales are canonical BCP 47 tags', () => {
    assert.equal(parseOrThrow(localeSchema, 'zh-cn'), 'zh-CN');
    assert.equal(parseOrThrow(localeSchema, 'EN-us'), 'en-US');
    for (const bad of ['', 'x', 'en_US!', 'zh--CN'])
      assert.throws(() => parseOrThrow(localeSchema, bad), ValidationError);
  });

  test('createId uses crypto.randomUUID by default and checks a host generator', () => {
    assert.match(createId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(defaultIdGenerator(), defaultIdGenerator());
    let n = 0;
    assert.equal(
      createId(() => `seq-${++n}`),
      'seq-1',
    );
    assert.throws(() => createId(() => ''), ValidationError);
    assert.throws(() => createId(() => 'x'.repeat(129)), ValidationError);
  });
});

describe('safe URLs', () => {
  test('http, https, mailto and tel URLs are accepted as written (trimmed)', () => {
    for (const url of [
      'https://example.com',
      'http://example.com/path?q=1#frag',
      'HTTPS://EXAMPLE.COM/Path',
      'https://例子.测试/路径',
      'https://user@example.com:8443/a%20b',
      'mailto:sales@example.com',
      'MailTo:sales@example.com?subject=Hi',
      'tel:+86-138-0013-8000',
    ]) {
      assert.equal(parseOrThrow(safeUrlSchema, url), url);
    }
    assert.equal(parseOrThrow(safeUrlSchema, '  https://example.com/ \n'), 'https://example.com/');
  });

  const nasty = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    '\tjavascript:alert(1)',
    '\u0000javascript:alert(1)',
    '\u0001javascript:alert(1)',
    '\u001fjavascript:alert(1)',
    '\u00a0javascript:alert(1)',
    '\ufeffjavascript:alert(1)',
    '\u200bjavascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java\rscript:alert(1)',
    'java\u0000script:alert(1)',
    'javascript&colon;alert(1)',
    'javascript%3Aalert(1)',
    '%6A%61%76%61%73%63%72%69%70%74:alert(1)',
    '&#106;avascript:alert(1)',
    '&#x6A;avascript:alert(1)',
    'jav&#x09;ascript:alert(1)',
    'javascript://example.com/%0Aalert(1)',
    'javascript:https://example.com',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'VBScript:msgbox(1)',
    'file:///etc/passwd',
    'blob:https://example.com/uuid',
    'ftp://example.com',
    'about:blank',
    'chrome://settings',
    '//evil.example.com',
    '/relative/path',
    '../up',
    '?q=1',
    '#top',
    'example.com',
    'www.example.com',
    'https://',
    'http:',
    'mailto:',
    'tel:',
    'https://exa mple.com',
    'https://example.com/\u2028x',
    'https://example.com/\u202e',
    'https://example.com/' + 'a'.repeat(2048),
    '',
    '   ',
  ];
  for (const url of nasty) {
    test(`rejects ${JSON.stringify(url).slice(0, 50)}`, () => {
      assert.deepEqual(fieldsOf(safeUrlSchema, url), ['(root)']);
    });
  }

  test('rejects non-strings', () => {
    for (const value of [null, 1, {}, ['https://example.com'], new URL('https://example.com')]) {
      assert.throws(() => parseOrThrow(safeUrlSchema, value), ValidationError);
    }
  });
});

describe('prototype poisoning', () => {
  const hostile = `{
    "kind": "person",
    "name": "A",
    "__proto__": { "polluted": true },
    "constructor": { "prototype": { "polluted": true } },
    "prototype": { "polluted": true },
    "address": { "city": "X", "__proto__": { "polluted": true } },
    "customFields": { "region": "east", "__proto__": { "polluted": true } }
  }`;

  function assertClean(value: unknown): void {
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      if (!Array.isArray(node)) assert.equal(Object.getPrototypeOf(node), Object.prototype);
      for (const key of ['__proto__', 'constructor', 'prototype']) assert.ok(!Object.hasOwn(node, key), key);
      assert.equal((node as Record<string, unknown>)['polluted'], undefined);
      Object.values(node).forEach(walk);
    };
    walk(value);
  }

  test('reserved keys anywhere in an entity are refused by name (a stored record drops them); nothing is polluted', () => {
    const named = ['__proto__', 'address.__proto__', 'constructor', 'prototype'];
    assert.deepEqual(fieldsOf(customerInputSchema, JSON.parse(hostile)).sort(), named);
    assert.deepEqual(fieldsOf(customerPatchSchema, JSON.parse(hostile)).sort(), named);
    assertClean({});
    // A stored record drops top-level keys it does not know; nested objects are as strict as the input.
    const hostileRecord = { ...(JSON.parse(hostile) as Record<string, unknown>), ...meta };
    assert.deepEqual(fieldsOf(customerSchema, hostileRecord), ['address.__proto__']);
    const stored = parseOrThrow(customerSchema, { ...hostileRecord, address: { city: 'X' } });
    assertClean(stored);
    assert.deepEqual(
      Object.keys(stored).sort(),
      [
        ...Object.keys(meta),
        'address',
        'customFields',
        'emails',
        'kind',
        'lifecycleStage',
        'name',
        'phones',
        'tags',
      ].sort(),
    );
    assert.deepEqual(stored.customFields, { region: 'east' });
  });

  test('constructor and prototype as custom field keys are rejected, not stored', () => {
    for (const key of ['constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      const input = JSON.parse(`{ "kind": "person", "name": "A", "customFields": { "${key}": "x" } }`);
      assert.deepEqual(fieldsOf(customerInputSchema, input), [`customFields.${key}`]);
    }
  });
});

describe('property: parsing is idempotent', () => {
  const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
  const email = fc
    .tuple(word, word, fc.constantFrom('com', 'cn', 'example'))
    .map(([local, domain, tld]) => ` ${local}@${domain}.${tld}`);
  const phone = fc.stringMatching(/^\+?[1-9]\d{2,3}(?:[ -]\d{3,4}){1,2}$/);
  const instant = fc
    .tuple(
      fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: -12, max: 14 }),
    )
    .map(([date, hours]) => {
      const shifted = new Date(date.getTime() + hours * 3_600_000).toISOString().slice(0, 19);
      const sign = hours < 0 ? '-' : '+';
      return `${shifted}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
    });
  const text = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0);
  const customFieldKey = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,20}$/).filter((k) => k !== 'constructor');
  const customFieldValue = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n + 0), // JSON has no -0
    fc.boolean(),
    fc.record({ amountMinor: fc.integer(), currency: fc.constantFrom('CNY', 'USD', 'JPY') }),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
  );
  const customer = fc.record(
    {
      kind: fc.constantFrom('person', 'organisation'),
      name: text,
      givenName: text,
      familyName: text,
      emails: fc.array(email, { maxLength: 3 }),
      phones: fc.array(phone, { maxLength: 3 }),
      company: text,
      website: fc.webUrl({ withQueryParameters: true, withFragments: true }),
      source: fc.constantFrom('web', 'referral', 'trade_show', ' ads '),
      ownerId: fc.string({ minLength: 1, maxLength: 128 }),
      tags: fc.array(fc.constantFrom('vip', ' new ', 'partner'), { maxLength: 3 }),
      lifecycleStage: fc.constantFrom('subscriber', 'lead', 'mql', 'customer', 'churned'),
      country: fc.constantFrom('CN', 'us', ' de '),
      address: fc.record({ city: text, postalCode: fc.stringMatching(/^\d{6}$/) }, { requiredKeys: [] }),
      customFields: fc.dictionary(customFieldKey, customFieldValue, { maxKeys: 5 }),
    },
    { requiredKeys: ['kind', 'name'] },
  );

  test('for random valid customers, parse(parse(x)) equals parse(x), and records round-trip via JSON', () => {
    fc.assert(
      fc.property(customer, instant, (input, at) => {
        const once = parseOrThrow(customerInputSchema, input);
        assert.deepEqual(parseOrThrow(customerInputSchema, once), once);
        const stored = { ...once, ...meta, updatedAt: at };
        const record = parseOrThrow(customerSchema, stored);
        assert.deepEqual(parseOrThrow(customerSchema, JSON.parse(JSON.stringify(record))), record);
      }),
      { numRuns: 300 },
    );
  });
});
