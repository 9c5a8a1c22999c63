/**
 * Money: integer minor units plus an ISO currency, `Intl` formatting, dated exchange rates and conversion.
 *
 * @module
 */
export {
  money,
  moneySchema,
  currencyCodeSchema,
  currencyDigits,
  fromMajor,
  toMajor,
  addMoney,
  formatMoney,
} from './money.js';
export type { Money } from './money.js';
export { minorDigits, toMajorUnchecked, fromMajorUnchecked, convertTotalsUnchecked } from './minor-units.js';
export { convertTotals, exchangeRateTableSchema } from './exchange.js';
export type { ConvertedTotal, ExchangeRateTable } from './exchange.js';

export { currencyConversionSchema, conversionFactors, exchangeRatesSchema } from './exchange.js';
export type { ExchangeRates, CurrencyConversion, MoneyTotals } from './exchange.js';
