// The sales desk's settings, shared by the page (either mode) and the team server `npm start` runs in Node: the
// desk's time zone and currency, and the demo's exchange rates. Nothing here touches the DOM.
import type { ExchangeRateTable } from '@crmkit/core';

/** Where the desk's users work: days, months and report periods are counted here. */
export const TIME_ZONE = 'Asia/Shanghai';
/** The desk's currency. */
export const CURRENCY = 'CNY';
/** The region phone numbers without a country code are read in. */
export const DEFAULT_REGION = 'CN';

/** The demo's exchange rates into the CRM currency (CNY): 7.1 yuan per US dollar. */
export const DEMO_RATES = { USD: 7.1 } as const;

/**
 * The rates the demo CRM is given, dated today: a real host would load the day's rates from its finance system or a
 * rates service. Board totals, customer value and every report convert with them.
 */
export const demoExchangeRates = (today: string): ExchangeRateTable => ({ asOf: today, rates: DEMO_RATES });

/** Today's calendar date in a time zone, `YYYY-MM-DD`. */
export function localDate(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
