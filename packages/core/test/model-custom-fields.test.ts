import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as z from 'zod/mini';
import { ValidationError, parseOrThrow } from '@crmkit/core';
import {
  CUSTOM_FIELDS_COLLECTION,
  customFieldDefinitionInputSchema,
  customFieldsSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  dealInputSchema,
  withCustomFields,
  type CustomFieldDefinitionInput,
} from '@crmkit/core';

function fieldsOf(schema: z.ZodMiniType, input: unknown): string[] {
  try {
    parseOrThrow(schema, input, 'test');
  } catch (error) {
    assert.ok(error instanceof ValidationError, 'expected a ValidationError');
    return error.fields;
  }
  assert.fail('expected a ValidationError');
}

const label = (en: string) => ({ en, 'zh-CN': en });

const definitions: CustomFieldDefinitionInput[] = [
  { entity: 'customer', key: 'notes', label: label('Notes'), type: 'text', maxLength: 10 },
  { entity: 'customer', key: 'employees', label: label('Employees'), type: 'number', min: 0, max: 1_000_000 },
  { entity: 'customer', key: 'budget', label: label('Budget'), type: 'money', min: 0 },
  { entity: 'customer', key: 'foundedOn', label: label('Founded on'), type: 'date' },
  {
    entity: 'customer',
    key: 'region',
    label: { en: 'Region', 'zh-CN': '区域' },
    type: 'select',
    required: true,
    options: [
      { value: 'east', label: { en: 'East', 'zh-CN': '华东' } },
      { value: 'south', label: { en: 'South', 'zh-CN': '华南' } },
    ],
  },
  {
    entity: 'customer',
    key: 'interests',
    label: label('Interests'),
    type: 'multiselect',
    options: [
      { value: 'crm', label: label('CRM') },
      { value: 'erp', label: label('ERP') },
    ],
  },
  { entity: 'customer', key: 'partner', label: label('Partner'), type: 'boolean' },
];

describe('custom field definitions', () => {
  const select = {
    entity: 'deal',
    key: 'tier',
    label: label('Tier'),
    type: 'select',
    options: [{ value: 'gold', label: label('Gold') }],
  };

  test('are stored in their own collection and default to optional', () => {
    assert.equal(CUSTOM_FIELDS_COLLECTION, 'customFieldDefinitions');
    assert.equal(parseOrThrow(customFieldDefinitionInputSchema, select).required, false);
  });

  const bad: [string, Record<string, unknown>, string[]][] = [
    ['select without options', { options: undefined }, ['options']],
    ['select with no options', { options: [] }, ['options']],
    ['options on a text field', { type: 'text' }, ['options']],
    [
      'duplicate option values',
      { options: [select.options[0], { value: ' gold ', label: label('Gold again') }] },
      ['options.1.value'],
    ],
    [
      'an option without a Chinese label',
      { options: [{ value: 'gold', label: { en: 'Gold' } }] },
      ['options.0.label.zh-CN'],
    ],
    ['min on a select field', { min: 1 }, ['min']],
    ['maxLength on a select field', { maxLength: 5 }, ['maxLength']],
    ['an unknown type', { type: 'json' }, ['type']],
    ['an unknown entity', { entity: 'user' }, ['entity']],
    ['an upper-case key', { key: 'Tier' }, ['key']],
    ['a key with a dash', { key: 'my-tier' }, ['key']],
    ['a 65-character key', { key: 'a'.repeat(65) }, ['key']],
    ['the key __proto__', { key: '__proto__' }, ['key']],
    ['the key constructor', { key: 'constructor' }, ['key']],
    ['the key prototype', { key: 'prototype' }, ['key']],
  ];
  for (const [name, change, paths] of bad) {
    test(`reject ${name}`, () => {
      assert.deepEqual(fieldsOf(customFieldDefinitionInputSchema, { ...select, ...change }), paths);
    });
  }

  test('reject min above max, and bounds on the wrong type', () => {
    const number = { entity: 'deal', key: 'seats', label: label('Seats'), type: 'number' };
    assert.deepEqual(fieldsOf(customFieldDefinitionInputSchema, { ...number, min: 10, max: 1 }), ['max']);
    assert.deepEqual(fieldsOf(customFieldDefinitionInputSchema, { ...number, maxLength: 10 }), ['maxLength']);
    assert.deepEqual(fieldsOf(customFieldDefinitionInputSchema, { ...number, type: 'text', maxLength: 0 }), [
      'maxLength',
    ]);
    assert.deepEqual(fieldsOf(customFieldDefinitionInputSchema, { ...number, type: 'boolean', max: 1 }), ['max']);
  });
});

describe('customFieldsSchema', () => {
  const schema = customFieldsSchema(definitions);
  const valid = {
    notes: '  short ',
    employees: 120.5,
    budget: { amountMinor: 100_000, currency: 'CNY' },
    foundedOn: '2010-02-28',
    region: 'east',
    interests: ['crm', 'erp'],
    partner: false,
  };

  test('accepts a value of every type and trims text', () => {
    assert.deepEqual(parseOrThrow(schema, valid), { ...valid, notes: 'short' });
  });

  test('optional fields may be absent; required ones may not', () => {
    assert.deepEqual(parseOrThrow(schema, { region: 'south' }), { region: 'south' });
    assert.deepEqual(fieldsOf(schema, {}), ['region']);
    assert.deepEqual(fieldsOf(schema, { region: undefined }), ['region']);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['text too long', { notes: 'x'.repeat(11) }, 'notes'],
    ['text of the wrong type', { notes: 5 }, 'notes'],
    ['a number as a string', { employees: '120' }, 'employees'],
    ['a number below min', { employees: -1 }, 'employees'],
    ['a number above max', { employees: 1_000_001 }, 'employees'],
    ['an infinite number', { employees: Infinity }, 'employees'],
    ['money as a bare number', { budget: 100 }, 'budget'],
    ['money with fractional minor units', { budget: { amountMinor: 1.5, currency: 'CNY' } }, 'budget.amountMinor'],
    ['money below min', { budget: { amountMinor: -1, currency: 'CNY' } }, 'budget.amountMinor'],
    ['money with a bad currency', { budget: { amountMinor: 1, currency: 'yuan' } }, 'budget.currency'],
    ['an impossible date', { foundedOn: '2010-02-30' }, 'foundedOn'],
    ['a date-time for a date', { foundedOn: '2010-02-01T00:00:00Z' }, 'foundedOn'],
    ['a select value not among the options', { region: 'north' }, 'region'],
    ['a select label instead of its value', { region: '华东' }, 'region'],
    ['a multiselect value not among the options', { interests: ['crm', 'hr'] }, 'interests.1'],
    ['a multiselect with a repeated value', { interests: ['crm', 'crm'] }, 'interests'],
    ['a multiselect as a string', { interests: 'crm' }, 'interests'],
    ['a boolean as a string', { partner: 'false' }, 'partner'],
    ['a key with no definition', { shoeSize: 44 }, 'shoeSize'],
    ['a reserved key', { constructor: 'x' }, 'constructor'],
  ];
  for (const [name, change, path] of bad) {
    test(`rejects ${name} at ${path}`, () => {
      assert.deepEqual(fieldsOf(schema, { ...valid, ...change }), [path]);
    });
  }

  test('a required text must not be blank and a required multiselect must not be empty', () => {
    const strict = customFieldsSchema([
      { entity: 'lead', key: 'why', label: label('Why'), type: 'text', required: true },
      {
        entity: 'lead',
        key: 'tags',
        label: label('Tags'),
        type: 'multiselect',
        required: true,
        options: [{ value: 'a', label: label('A') }],
      },
    ]);
    assert.deepEqual(fieldsOf(strict, { why: '  ', tags: [] }).sort(), ['tags', 'why']);
    assert.deepEqual(parseOrThrow(strict, { why: 'budget', tags: ['a'] }), { why: 'budget', tags: ['a'] });
  });

  test('is compiled once per definitions array', () => {
    assert.equal(customFieldsSchema(definitions), schema);
    assert.notEqual(customFieldsSchema([...definitions]), schema);
  });

  test('__proto__ is dropped without polluting anything', () => {
    const parsed = parseOrThrow(schema, JSON.parse('{ "region": "east", "__proto__": { "polluted": true } }'));
    assert.deepEqual(parsed, { region: 'east' });
    assert.ok(!Object.hasOwn(parsed, '__proto__'));
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('rejects malformed, duplicate or mixed-entity definitions', () => {
    const text = { entity: 'customer', key: 'a', label: label('A'), type: 'text' } as const;
    assert.throws(
      () => customFieldsSchema([text, text]),
      (error) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.fields, ['1.key']);
        return true;
      },
    );
    assert.throws(
      () => customFieldsSchema([text, { ...text, key: 'b', entity: 'deal' }]),
      (error) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.fields, ['1.entity']);
        return true;
      },
    );
    assert.throws(
      () => customFieldsSchema([{ ...text, type: 'select' }] as CustomFieldDefinitionInput[]),
      ValidationError,
    );
  });

  test('no definitions: any key is unknown', () => {
    const none = customFieldsSchema([]);
    assert.deepEqual(parseOrThrow(none, {}), {});
    assert.deepEqual(fieldsOf(none, { anything: 1 }), ['anything']);
  });
});

describe('withCustomFields', () => {
  const customerInput = withCustomFields(customerInputSchema, definitions);
  const customer = { kind: 'organisation', name: 'Acme' };

  test('validates the whole entity in one parse, naming custom fields as customFields.<key>', () => {
    const parsed = parseOrThrow(customerInput, { ...customer, customFields: { region: 'east', partner: true } });
    assert.deepEqual(parsed.customFields, { region: 'east', partner: true });
    assert.deepEqual(
      fieldsOf(customerInput, { ...customer, name: '', customFields: { region: 'north', shoeSize: 44 } }).sort(),
      ['customFields.region', 'customFields.shoeSize', 'name'],
    );
  });

  test('enforces required custom fields when customFields is absent', () => {
    assert.deepEqual(fieldsOf(customerInput, customer), ['customFields.region']);
  });

  test('keeps the rest of the entity schema: defaults, refusing unknown keys, other fields', () => {
    assert.deepEqual(fieldsOf(customerInput, { ...customer, extra: 1, customFields: { region: 'south' } }), ['extra']);
    const parsed = parseOrThrow(customerInput, { ...customer, customFields: { region: 'south' } });
    assert.deepEqual(parsed, {
      kind: 'organisation',
      name: 'Acme',
      emails: [],
      phones: [],
      tags: [],
      lifecycleStage: 'subscriber',
      customFields: { region: 'south' },
    });
  });

  test('a patch stays partial: customFields may be absent, but if present it is checked', () => {
    const patch = withCustomFields(customerPatchSchema, definitions);
    assert.deepEqual(parseOrThrow(patch, { name: 'B' }), { name: 'B' });
    assert.deepEqual(fieldsOf(patch, { customFields: { region: 'north' } }), ['customFields.region']);
  });

  test('works on the record schema and on other entities', () => {
    const record = withCustomFields(customerSchema, definitions);
    const meta = { id: 'c', version: 1, createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' };
    assert.deepEqual(fieldsOf(record, { ...customer, ...meta, customFields: {} }), ['customFields.region']);
    const dealFields = [{ entity: 'deal', key: 'seats', label: label('Seats'), type: 'number', min: 1 }] as const;
    const deal = withCustomFields(dealInputSchema, [...dealFields]);
    const input = {
      title: 'T',
      customerId: 'c',
      pipelineId: 'p',
      stageId: 's',
      amount: { amountMinor: 1, currency: 'USD' },
      customFields: { seats: 0 },
    };
    assert.deepEqual(fieldsOf(deal, input), ['customFields.seats']);
  });

  test('is cached per (definitions, schema) and leaves the base schema unchanged', () => {
    assert.equal(withCustomFields(customerInputSchema, definitions), customerInput);
    assert.notEqual(withCustomFields(customerPatchSchema, definitions), customerInput);
    assert.deepEqual(parseOrThrow(customerInputSchema, { ...customer, customFields: { anything: 1 } }).customFields, {
      anything: 1,
    });
  });
});
