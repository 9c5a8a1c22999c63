import { LitElement, html, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { ContextProvider } from '@lit/context';
import type { Crm } from '@crmkit/core';
import { crmContext, type CrmContextValue } from '../internal/context.js';
import type { CrmLabels } from '../internal/labels.js';
import { CrmErrorEvent, CrmLocaleChangeEvent } from '../internal/events.js';
import { getCrmLocale, setCrmLocale } from '../internal/localize.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { providerStyles } from './provider.styles.js';

/**
 * Provided through `@lit/context` (`crmContext`), a new value whenever an attribute or property changes, so
 * consumers re-render. Lays out nothing itself (`display: contents`). Setting `locale` also switches the language
 * of crmkit's messages — page-wide, as `@lit/localize` keeps one message locale per page.
 *
 * @tag crm-provider
 * @summary Gives every crmkit element below it the CRM, locale, currency, time zone, actor and the host's labels.
 *
 * @slot - The crmkit elements (and anything else) that use this CRM.
 * @event crm-locale-change - `CrmLocaleChangeEvent`: the new `locale` is in effect and its messages are loaded.
 * @event crm-error - `CrmErrorEvent`: the messages of the new locale failed to load (`operation: 'locale'`).
 */
export class CrmProvider extends LitElement {
  /** @internal */
  static override styles = [tokenStyles, providerStyles];

  /** The CRM from `createCrm`; a property only. */
  @property({ attribute: false }) crm?: Crm;

  /** BCP 47 locale for numbers, money, dates and messages; unset, consumers use their nearest `lang`. */
  @property({ reflect: true }) locale?: string;

  /** ISO 4217 currency amounts default to; unset, the CRM's. */
  @property() currency?: string;

  /** IANA time zone dates show in; unset, the CRM's. */
  @property({ attribute: 'time-zone' }) timeZone?: string;

  /** `light` or `dark` forces a colour scheme on everything inside; unset, the page's `color-scheme` applies. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /**
   * The host's own labels of the codes crmkit shows — `{ source: { douyin: { en: 'Douyin', 'zh-CN': '抖音' } },
   * channel: { whatsapp: 'WhatsApp' } }` — by kind (`source`, `channel`, `activityType`, `direction`,
   * `lifecycleStage`, `lifecycleRule`, `taskType`, `taskStatus`, `lostReason`, `dealStatus`, `consentPurpose`,
   * `legalBasis`, `consentStatus`, `customerKind`, `leadStatus`). They come before crmkit's own labels; a code
   * neither knows reads as words. A property only; set a new object to change them.
   */
  @property({ attribute: false }) labels?: CrmLabels;

  private readonly provider = new ContextProvider(this, { context: crmContext, initialValue: {} });

  /** What the provider currently gives its consumers. */
  get contextValue(): CrmContextValue {
    return this.provider.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (
      changed.has('crm') ||
      changed.has('locale') ||
      changed.has('currency') ||
      changed.has('timeZone') ||
      changed.has('labels')
    ) {
      const crm = this.crm;
      this.provider.setValue({
        crm,
        locale: this.locale || undefined,
        currency: this.currency || crm?.currency,
        timeZone: this.timeZone || crm?.timeZone,
        actor: crm?.actor,
        ...(this.labels ? { labels: this.labels } : {}),
      });
    }
    if (changed.has('locale') && this.locale) void this.applyLocale(this.locale);
  }

  private async applyLocale(locale: string): Promise<void> {
    try {
      await setCrmLocale(locale);
    } catch (error) {
      this.dispatchEvent(new CrmErrorEvent({ error, operation: 'locale' }));
      return;
    }
    // A newer locale may have been set while this one loaded; only the one still wanted is announced.
    if (locale === this.locale) {
      this.dispatchEvent(new CrmLocaleChangeEvent({ locale, messagesLocale: getCrmLocale() }));
    }
  }

  override render(): TemplateResult {
    return html`<slot></slot>`;
  }
}
