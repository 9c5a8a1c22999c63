import { LitElement, html, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import { currencyCodeSchema } from '@crmkit/core';
import { formatMoneyCached, type MinorUnits } from '../internal/format.js';
import { crmContext } from '../internal/context.js';
import { elementLocale } from '../internal/locale.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { moneyStyles } from './money.styles.js';

/**
 * Amounts are integer minor units (fen, cents), as everywhere in crmkit, so no float rounding creeps in. Inside a
 * `<crm-provider>`, an unset `currency` or `locale` comes from the provider.
 *
 * A whole amount reads as whole units (`¥1,521,000`, not `¥1,521,000.00`); one with a minor part shows it exactly
 * (`¥1,234.50`). Set `minor-units="always"` where every figure must show its minor units (a quote, an invoice), or
 * `"never"` to round to whole units in a summary.
 *
 * @tag crm-money
 * @summary Shows an amount of money in the reader's locale with `Intl.NumberFormat`.
 *
 * @csspart base - The formatted amount.
 * @csspart negative - Also set on the amount when it is below zero.
 * @cssproperty --crm-money-negative-color - Colour of negative amounts; defaults to `--crm-color-danger`.
 * @cssproperty --crm-color-danger - The danger colour of the theme (see `tokenStyles`).
 */
export class CrmMoney extends LitElement {
  /** @internal */
  static override styles = [tokenStyles, moneyStyles];

  /** The amount in the currency's minor unit, e.g. `123450` for ¥1,234.50. */
  @property({ type: Number, attribute: 'amount-minor' }) amountMinor = 0;

  /** ISO 4217 currency code; unset, the provider's currency, then `CNY`. */
  @property() currency?: string;

  /** BCP 47 locale; unset, the provider's locale, then the nearest `lang` attribute, then the browser's language. */
  @property() locale?: string;

  /** How the currency is shown: a symbol (`¥`), its code (`CNY`) or its name (`Chinese yuan`). */
  @property({ attribute: 'currency-display' }) currencyDisplay: 'symbol' | 'code' | 'name' = 'symbol';

  /**
   * Minor units shown: `auto` (whole units when there is no minor part, else exact), `always`, or `never` (rounded to
   * whole units).
   */
  @property({ attribute: 'minor-units' }) minorUnits: MinorUnits = 'auto';

  // Subscribed, so a provider's change re-renders this element.
  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });

  /** The currency shown: its own, else the provider's, else `CNY`. */
  get resolvedCurrency(): string {
    return this.currency || this.context.value?.currency || 'CNY';
  }

  /** The formatted text, or an empty string when the inputs cannot be formatted. */
  get formatted(): string {
    const currency = this.resolvedCurrency;
    if (!Number.isSafeInteger(this.amountMinor) || !currencyCodeSchema.safeParse(currency).success) return '';
    // An unknown locale or currency renders nothing rather than break the host page.
    return formatMoneyCached({ amountMinor: this.amountMinor, currency }, this.resolvedLocale, {
      currencyDisplay: this.currencyDisplay,
      minorUnits: this.minorUnits === 'always' || this.minorUnits === 'never' ? this.minorUnits : 'auto',
    });
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  override render(): TemplateResult {
    const negative = this.amountMinor < 0;
    return html`<span part=${negative ? 'base negative' : 'base'}>${this.formatted}</span>`;
  }
}
