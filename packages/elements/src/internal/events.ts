/**
 * crmkit's events. Convention for every component:
 *
 * - one class per event, extending `CrmEvent<Detail>`, named `Crm<Something>Event`, type `crm-<something>`;
 * - it bubbles and is composed, so a listener on the host page hears it from inside any shadow root;
 * - its data is a readonly, frozen `detail` (ids and plain values, never live records);
 * - cancelable only when the component honours `preventDefault()` (say so in the class's doc);
 * - add it to the `GlobalEventHandlersEventMap` augmentation below, and name it with `@event` in the element's doc
 *   header, so `el.addEventListener('crm-…', (e) => e.detail…)` type-checks and the manifest lists it.
 */
export abstract class CrmEvent<Detail> extends Event {
  readonly detail: Readonly<Detail>;

  protected constructor(type: `crm-${string}`, detail: Detail, init: Omit<EventInit, 'bubbles' | 'composed'> = {}) {
    super(type, { ...init, bubbles: true, composed: true });
    this.detail = Object.freeze({ ...detail });
  }
}

export interface CrmLocaleChangeDetail {
  /** The locale the provider now gives its consumers (BCP 47). */
  readonly locale: string;
  /** The locale crmkit's messages now render in (`en` or `zh-CN`). */
  readonly messagesLocale: string;
}

/** Fired by `<crm-provider>` once a new locale is in effect and its messages are loaded. */
export class CrmLocaleChangeEvent extends CrmEvent<CrmLocaleChangeDetail> {
  static readonly eventType = 'crm-locale-change';
  constructor(detail: CrmLocaleChangeDetail) {
    super(CrmLocaleChangeEvent.eventType, detail);
  }
}

export interface CrmErrorDetail {
  /** What failed, as thrown (often a `CrmError` from `@crmkit/core`). */
  readonly error: unknown;
  /** Which operation failed, e.g. `query` or `locale`. */
  readonly operation: string;
}

/** Fired by an element when something it did on its own failed (a live query, loading messages). */
export class CrmErrorEvent extends CrmEvent<CrmErrorDetail> {
  static readonly eventType = 'crm-error';
  constructor(detail: CrmErrorDetail) {
    super(CrmErrorEvent.eventType, detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'crm-locale-change': CrmLocaleChangeEvent;
    'crm-error': CrmErrorEvent;
  }
}
