/** The 360° card's value section: lifetime value, average order, frequency, won deals, last purchase, RFM. */
import { html, nothing, type TemplateResult } from 'lit';
import { convertTotals } from '@crmkit/core';
import { formatCount, formatDay, formatDecimal, formatInstant, formatTotal } from '../internal/format.js';
import { customer360Messages as m } from './messages.js';
import { empty, type SectionContext } from './section.js';

export function renderValue(context: SectionContext): TemplateResult {
  const { value } = context.shown.view;
  const { locale, currency, rates } = context;
  // One money model: revenue in other currencies converted into the CRM's at its dated rates (the rates' day shown
  // beside the figure); a currency without a rate listed apart, never left out.
  const lifetime = formatTotal(value.lifetimeValue, locale, currency, rates);
  // The average of everything won, in one currency when it all converts; else per currency, as stored.
  const all = convertTotals(value.lifetimeValue, currency, rates?.rates);
  const average =
    all.unconverted.length === 0 && value.wonDeals > 0
      ? formatTotal(
          [{ amountMinor: Math.round(all.total.amountMinor / value.wonDeals), currency }],
          locale,
          currency,
          undefined,
        )
      : formatTotal(value.averageOrderValue, locale, currency, undefined);
  const fact = (label: string, shownTotal: { text: string; ratesAsOf?: string | undefined }) =>
    html`<div class="fact">
      <dt>${label}</dt>
      <dd class="number">
        ${shownTotal.ratesAsOf === undefined ? shownTotal.text : `≈ ${shownTotal.text}`}
        ${
          shownTotal.ratesAsOf === undefined
            ? nothing
            : html`<span class="muted">${m.convertedAt(formatDay(shownTotal.ratesAsOf, locale))}</span>`
        }
      </dd>
    </div>`;
  const averageShown = {
    text: average.text,
    ratesAsOf: all.converted && all.unconverted.length === 0 ? lifetime.ratesAsOf : undefined,
  };
  const rfm = value.rfm;
  if (value.wonDeals === 0 && Object.keys(value.lifetimeValue).length === 0 && !rfm) {
    return empty(m.noPurchases());
  }
  return html`<dl class="facts metrics">
    ${value.wonDeals > 0 && lifetime.text ? fact(m.lifetimeValue(), lifetime) : nothing}
    ${value.wonDeals > 0 && average.text ? fact(m.averageOrderValue(), averageShown) : nothing}
    ${fact(m.purchaseFrequency(), { text: formatDecimal(value.purchaseFrequency, locale) })}
    ${fact(m.wonDeals(), { text: formatCount(value.wonDeals, locale) })}
    ${
      value.lastPurchaseAt
        ? fact(m.lastPurchase(), { text: formatInstant(value.lastPurchaseAt, locale, context.timeZone, false) })
        : nothing
    }
    ${
      rfm
        ? html`<div class="fact">
            <dt>${m.rfm()}</dt>
            <dd class="number">
              ${String(rfm.score)}
              <span class="muted"
                >(${m.rfmDetail(formatCount(rfm.r, locale), formatCount(rfm.f, locale), formatCount(rfm.m, locale))})</span
              >
            </dd>
          </div>`
        : nothing
    }
  </dl>`;
}
