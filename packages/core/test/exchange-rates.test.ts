import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  convertTotals,
  createCrm,
  createMemoryStorage,
  isCrmError,
  ValidationError,
  type Crm,
  type ExchangeRateTable,
} from '@crmkit/core';

// One money model: deals keep their own currency; totals are converted into the CRM's currency with the host's dated
// rates; an amount without a rate is kept apart (displays) or refused (reports, RFM), never dropped.

const NOW = new Date('2026-06-30T00:00:00.000Z');
const RATES: ExchangeRateTable = { asOf: '2026-06-01', rates: { USD: 7.2, JPY: 0.05 } };

async function newCrm(exchangeRates?: ExchangeRateTable): Promise<Crm> {
  return createCrm({
    storage: createMemoryStorage({ now: () => NOW }),
    actor: { id: 'admin-1', role: 'admin' },
    currency: 'CNY',
    timeZone: 'Asia/Shanghai',
    clock: () => NOW,
    ...(exchangeRates ? { exchangeRates } : {}),
  });
}

async function wonDeal(crm: Crm, customerId: string, amountMinor: number, currency: string, closedAt: string) {
  return crm.deals.create({
    title: `Order ${currency} ${amountMinor}`,
    customerId,
    pipelineId: 'default',
    stageId: 'won',
    status: 'won',
    amount: { amountMinor, currency },
    closedAt,
  });
}

test('convertTotals converts what has a rate and keeps the rest apart, to the minor unit', () => {
  const result = convertTotals(
    [
      { amountMinor: 100_00, currency: 'CNY' },
      { amountMinor: 10_00, currency: 'USD' }, // 10 dollars → 72 yuan
      { amountMinor: 1_000, currency: 'JPY' }, // 1 000 yen (no minor unit) → 50 yuan
      { amountMinor: 5_00, currency: 'EUR' },
    ],
    'CNY',
    RATES.rates,
  );
  assert.deepEqual(result, {
    total: { amountMinor: 222_00, currency: 'CNY' },
    unconverted: [{ amountMinor: 5_00, currency: 'EUR' }],
    converted: true,
  });
  // Per-currency sums work the same; nothing foreign means nothing converted.
  assert.deepEqual(convertTotals({ CNY: 3 }, 'CNY'), {
    total: { amountMinor: 3, currency: 'CNY' },
    unconverted: [],
    converted: false,
  });
});

test('convertTotals never loses an amount: what is not converted is returned, per currency, exactly', () => {
  const currency = fc.constantFrom('CNY', 'USD', 'EUR', 'JPY', 'GBP');
  fc.assert(
    fc.property(
      fc.array(fc.record({ amountMinor: fc.integer({ min: -1e9, max: 1e9 }), currency })),
      fc.dictionary(fc.constantFrom('USD', 'JPY'), fc.double({ min: 0.001, max: 1000, noNaN: true })),
      (amounts, rates) => {
        const result = convertTotals(amounts, 'CNY', rates);
        const sum = (code: string) =>
          amounts.filter((a) => a.currency === code).reduce((total, a) => total + a.amountMinor, 0);
        for (const code of ['EUR', 'GBP', ...['USD', 'JPY'].filter((c) => !(c in rates))]) {
          const kept = result.unconverted.find((m) => m.currency === code)?.amountMinor ?? 0;
          assert.equal(kept, sum(code));
        }
        const expected =
          sum('CNY') + Object.entries(rates).reduce((t, [c, r]) => t + sum(c) * r * (c === 'JPY' ? 100 : 1), 0);
        assert.ok(Math.abs(result.total.amountMinor - expected) <= 0.5 + Math.abs(expected) * 1e-12);
      },
    ),
  );
});

test('createCrm refuses malformed rates, naming the field', async () => {
  for (const [exchangeRates, path] of [
    [{ asOf: '2026-02-30', rates: {} }, 'exchangeRates.asOf'],
    [{ asOf: '2026-06-01', rates: { USD: -1 } }, 'exchangeRates.rates.USD'],
    [{ asOf: '2026-06-01', rates: {}, source: 'ecb' }, 'exchangeRates'],
    [{ rates: { USD: 7 } }, 'exchangeRates.asOf'],
  ] as const) {
    await assert.rejects(
      createCrm({
        storage: createMemoryStorage(),
        actor: { id: 'a' },
        exchangeRates: exchangeRates as unknown as ExchangeRateTable,
      }),
      (error: unknown) =>
        error instanceof ValidationError && error.issues.some((issue) => issue.path.join('.').startsWith(path)),
    );
  }
  const crm = await newCrm(RATES);
  assert.deepEqual(crm.exchangeRates, RATES);
  assert.ok(Object.isFrozen(crm.exchangeRates) && Object.isFrozen(crm.exchangeRates?.rates));
  await crm.dispose();
});

test('reports total in the CRM currency with its rates; without rates a foreign amount is refused, not dropped', async () => {
  const withRates = await newCrm(RATES);
  const without = await newCrm();
  for (const crm of [withRates, without]) {
    const customer = await crm.customers.create({ kind: 'person', name: 'Zhang Wei' });
    await wonDeal(crm, customer.id, 1_000_00, 'CNY', '2026-05-10T04:00:00.000Z');
    await wonDeal(crm, customer.id, 100_00, 'USD', '2026-05-12T04:00:00.000Z');
  }
  const options = { from: '2026-05-01', to: '2026-05-31', granularity: 'month' } as const;
  const trend = await withRates.reports.salesTrend(options);
  assert.equal(trend.totals.wonAmountMinor, 1_720_00);
  const rep = await withRates.reports.performance({ from: '2026-05-01', to: '2026-05-31' });
  assert.equal(rep.rows[0]?.wonAmountMinor, 1_720_00);
  // The caller's own rates still win over the CRM's.
  const other = await withRates.reports.salesTrend({ ...options, rates: { USD: 7 } });
  assert.equal(other.totals.wonAmountMinor, 1_700_00);

  await assert.rejects(
    without.reports.salesTrend(options),
    (error: unknown) =>
      isCrmError(error, 'CRM_VALIDATION') &&
      error instanceof ValidationError &&
      error.issues.some((issue) => issue.path.join('.') === 'rates.USD'),
  );
  await withRates.dispose();
  await without.dispose();
});

test('the forecast uses the CRM rates for one total', async () => {
  const crm = await newCrm(RATES);
  const customer = await crm.customers.create({ kind: 'person', name: 'Li Na' });
  for (const [amountMinor, currency] of [
    [500_00, 'CNY'],
    [100_00, 'USD'],
  ] as const) {
    await crm.deals.create({
      title: `Open ${currency}`,
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor, currency },
      expectedCloseDate: '2026-07-15',
    });
  }
  const forecast = await crm.reports.forecast({ from: '2026-07', to: '2026-07' });
  const month = forecast.months.find((entry) => entry.month === '2026-07');
  assert.ok(month, 'July is forecast');
  assert.equal(month.pipeline, 1_220_00);
  await crm.dispose();
});

test('RFM ranks revenue in every currency, converted; a currency without a rate is refused', async () => {
  const crm = await newCrm(RATES);
  const dollars = await crm.customers.create({ kind: 'person', name: 'Dollar buyer' });
  const yuan = await crm.customers.create({ kind: 'person', name: 'Yuan buyer' });
  await wonDeal(crm, dollars.id, 1_000_00, 'USD', '2026-06-01T00:00:00.000Z'); // ¥7 200
  await wonDeal(crm, yuan.id, 5_000_00, 'CNY', '2026-06-01T00:00:00.000Z');
  await crm.aggregates.settled();
  await crm.aggregates.refreshRfm();
  const [d, y] = await crm.aggregates.getMany([dollars.id, yuan.id]);
  assert.ok((d?.rfm?.m ?? 0) > (y?.rfm?.m ?? 0), 'the dollar revenue counts, converted');

  const euros = await crm.customers.create({ kind: 'person', name: 'Euro buyer' });
  await wonDeal(crm, euros.id, 10_00, 'EUR', '2026-06-01T00:00:00.000Z');
  await crm.aggregates.settled();
  await assert.rejects(
    crm.aggregates.refreshRfm(),
    (error: unknown) => error instanceof ValidationError && error.issues[0]?.path.join('.') === 'rates.EUR',
  );
  await crm.dispose();
});
