import type { ReactiveControllerHost } from 'lit';
import { configureLocalization, updateWhenLocaleChanges } from '@lit/localize';

/** The locales crmkit's messages are translated into; `en` is the source. */
export const crmLocales = ['en', 'zh-CN'] as const;
export type CrmLocale = (typeof crmLocales)[number];

type Controls = ReturnType<typeof configureLocalization>;
/** `undefined`: not configured yet; `null`: the page configured `@lit/localize` itself, so it owns the locale. */
let controls: Controls | null | undefined;

function localization(): Controls | null {
  if (controls !== undefined) return controls;
  try {
    controls = configureLocalization({
      sourceLocale: 'en',
      targetLocales: ['zh-CN'],
      // Loaded when first asked for: an English page never downloads the Chinese catalogue. (The embed bundle
      // inlines it, so it stays one file.)
      loadLocale: () => import('../locales/zh-CN.js'),
    });
  } catch {
    // `@lit/localize` can be configured once per page. A host that configured it owns the locale; crmkit's
    // messages then fall back to their English source unless the host's catalogues carry crmkit's ids.
    controls = null;
  }
  // Elements without a provider start in the document's language.
  const lang = typeof document === 'undefined' ? '' : document.documentElement.lang;
  if (controls && lang && resolveCrmLocale(lang) !== 'en') void controls.setLocale(resolveCrmLocale(lang));
  return controls;
}

/**
 * The message locale for a BCP 47 tag: Chinese in Simplified script (`zh`, `zh-CN`, `zh-Hans`, `zh-SG`) reads
 * `zh-CN`; everything else, including Traditional Chinese for now, reads the English source.
 */
export function resolveCrmLocale(tag: string): CrmLocale {
  const lower = tag.toLowerCase();
  if (lower !== 'zh' && !lower.startsWith('zh-')) return 'en';
  return /^zh-(hant|tw|hk|mo)\b/.test(lower) ? 'en' : 'zh-CN';
}

/** The locale crmkit's messages currently render in. */
export function getCrmLocale(): CrmLocale {
  return (localization()?.getLocale() as CrmLocale | undefined) ?? 'en';
}

/**
 * Switches the language of crmkit's messages on the whole page (`@lit/localize` keeps one message locale per
 * page); elements re-render once the catalogue is ready, and the promise resolves then. Any BCP 47 tag is
 * accepted and mapped with `resolveCrmLocale`. Numbers, money and dates follow each element's own locale instead.
 */
export async function setCrmLocale(locale: string): Promise<void> {
  await localization()?.setLocale(resolveCrmLocale(locale));
}

/**
 * Call in the constructor of every element that renders `crmMessages`: configures crmkit's messages (once per
 * page) and re-renders the element whenever the message locale changes.
 */
export function updateOnCrmLocaleChange(host: ReactiveControllerHost): void {
  localization();
  updateWhenLocaleChanges(host);
}
