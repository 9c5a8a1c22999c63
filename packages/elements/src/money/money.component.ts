import { LitElement, html, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { currencyCodeSchema, formatMoney } from '@crmkit/core';
import { inheritedLocale } from '../internal/locale.js';
import { moneyStyles } from './money.styles.js';

/**
 * @tag crm-money
 * @summary Shows an amount of money in the reader's locale with `Intl.NumberFormat`.
 *
 * Amounts are integer minor units (fen, cents), as everywhere in crmkit, so no float rounding creeps in.
 *
 * @csspart base - The formatted amount.
 * @csspart negative - Also set on the amount when it is below zero.
 * @cssproperty --crm-money-negative-color - Colour of negative amounts; defaults to `--crm-color-danger`.
 */
export class CrmMoney extends LitElement {
  /** @internal */
  static override styles = moneyStyles;

  /** The amount in the currency's minor unit, e.g. `123450` for ¥1,234.50. */
  @property({ type: Number, attribute: 'amount-minor' }) amountMinor = 0;

  /** ISO 4217 currency code. */
  @property() currency = 'CNY';

  /** BCP 47 locale; defaults to the nearest `lang` attribute, then the browser's language. */
  @property() locale?: string;

  /** How the currency is shown: a symbol (`¥`), its code (`CNY`) or its name (`Chinese yuan`). */
  @property({ attribute: 'currency-display' }) currencyDisplay: 'symbol' | 'code' | 'name' = 'symbol';

  /** The formatted text, or an empty string when the inputs cannot be formatted. */
  get formatted(): string {
    if (!Number.isSafeInteger(this.amountMinor) || !currencyCodeSchema.safeParse(this.currency).success) return '';
    try {
      return formatMoney({ amountMinor: this.amountMinor, currency: this.currency }, this.resolvedLocale, {
        currencyDisplay: this.currencyDisplay,
      });
    } catch {
      // An unknown locale or currency: render nothing rather than break the host page.
      return '';
    }
  }

  private get resolvedLocale(): string {
    return this.locale ?? inheritedLocale(this);
  }

  override render(): TemplateResult {
    const negative = this.amountMinor < 0;
    return html`<span part=${negative ? 'base negative' : 'base'}>${this.formatted}</span>`;
  }
}
