/**
 * `@crmkit/core/phone`: phone numbers with libphonenumber-js and its full metadata, as synchronous functions —
 * `normalisePhoneE164` (a number as entered → E.164, or `undefined` when it is not valid in its region) and
 * `formatPhone` (a stored number → the text people read). An entry of its own because the metadata is about 40 kB
 * gzip: the core's index only loads it on demand (`loadPhoneNormaliser`, `loadPhoneFormatter`), when a phone number
 * is actually read or shown.
 *
 * ```ts
 * import { normaliseLeadFields } from '@crmkit/core';
 * import { normalisePhoneE164, formatPhone } from '@crmkit/core/phone';
 *
 * normalisePhoneE164('010-6552 9988', 'CN'); // '+861065529988'
 * normalisePhoneE164('138-0013-800', 'CN'); // undefined
 * formatPhone('+8613800138000'); // '+86 138 0013 8000'
 * normaliseLeadFields(lead, { defaultRegion: 'CN', normalisePhone: normalisePhoneE164 });
 * ```
 *
 * @module
 */
export { normalisePhoneE164, formatPhone } from './leads/phone.js';
export type { PhoneNormaliser, PhoneFormatter } from './leads/phone.js';
