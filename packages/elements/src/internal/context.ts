import { createContext } from '@lit/context';
import type { Crm, CrmActor } from '@crmkit/core';
import type { CrmLabels } from './labels.js';

/** What `<crm-provider>` gives every crmkit element below it. A new object whenever anything in it changes. */
export interface CrmContextValue {
  /** The CRM to read and write through; absent until the host hands one in. */
  readonly crm?: Crm;
  /** The provider's `locale` attribute; absent when unset, and consumers then use their nearest `lang`. */
  readonly locale?: string;
  /** The default currency: the provider's `currency`, else the CRM's. */
  readonly currency?: string;
  /** The IANA time zone dates show in: the provider's `time-zone`, else the CRM's. */
  readonly timeZone?: string;
  /** Who is acting: the CRM's actor. */
  readonly actor?: CrmActor;
  /** The host's own labels of codes (sources, channels, rule ids…), before crmkit's shared table; see `crmLabel`. */
  readonly labels?: CrmLabels;
}

/**
 * The context key. A global symbol, so two copies of crmkit on one page (an embed and an npm install) still find
 * each other's provider.
 */
export const crmContext = createContext<CrmContextValue>(Symbol.for('crmkit.context'));
