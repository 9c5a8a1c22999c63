// Phone numbers in the elements: checked and shown with libphonenumber-js and its full metadata (about 40 kB gzip),
// which the core loads on demand (`loadPhoneNormaliser`, `loadPhoneFormatter`: one chunk, shared with the core's
// services). Nothing is downloaded until a number is typed or shown; until then a number shows as stored.
import type { ReactiveControllerHost } from 'lit';
import { loadPhoneFormatter, loadPhoneNormaliser, type PhoneFormatter, type PhoneNormaliser } from '@crmkit/core';

let normaliser: PhoneNormaliser | undefined;
let formatter: PhoneFormatter | undefined;
let loadingNormaliser: Promise<PhoneNormaliser> | undefined;
let loadingFormatter: Promise<PhoneFormatter> | undefined;
/** Hosts that showed a number as stored while the formatter loads: they render again once it has. */
const waiting = new Set<ReactiveControllerHost>();

/** The phone normaliser if it has loaded, else `undefined` (see {@link loadNormaliser}). */
export function loadedPhoneNormaliser(): PhoneNormaliser | undefined {
  return normaliser;
}

/** Loads the phone normaliser (once; a failed load is tried again on the next call). */
export function loadNormaliser(): Promise<PhoneNormaliser> {
  loadingNormaliser ??= loadPhoneNormaliser().then(
    (loaded) => (normaliser = loaded),
    (error: unknown) => {
      loadingNormaliser = undefined;
      throw error;
    },
  );
  return loadingNormaliser;
}

/**
 * A stored phone number as people read it: national format when it belongs to `region` (`138 0013 8000` in a CRM
 * whose region is `CN`), else international (`+86 138 0013 8000`). Until the formatter has loaded the number shows as
 * stored and `host` renders again once it has (only the text changes). Anything that is not a valid number shows as
 * stored. A `tel:` link keeps the stored E.164 number; this is only its text.
 */
export function phoneText(host: ReactiveControllerHost, phone: string, region?: string): string {
  if (formatter) return formatter(phone, region);
  waiting.add(host);
  void loadFormatter().catch(() => undefined);
  return phone;
}

/** Resolves once a formatter load under way has settled (and the hosts waiting for it were asked to render). */
export async function phonesFormatted(): Promise<void> {
  if (loadingFormatter) await loadingFormatter.catch(() => undefined);
}

function loadFormatter(): Promise<PhoneFormatter> {
  loadingFormatter ??= loadPhoneFormatter().then(
    (loaded) => {
      formatter = loaded;
      for (const host of waiting) host.requestUpdate();
      waiting.clear();
      return loaded;
    },
    (error: unknown) => {
      // Numbers stay as stored; the next render tries again.
      loadingFormatter = undefined;
      waiting.clear();
      throw error;
    },
  );
  return loadingFormatter;
}
