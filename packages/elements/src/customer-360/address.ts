import type { Address } from '@crmkit/core';

const regionNames = new Map<string, Intl.DisplayNames | null>();

/** The country's name in `locale` (`CN` → `China`, `中国`), or its code when the browser has no names. */
function countryName(code: string, locale: string): string {
  let names = regionNames.get(locale);
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames([locale], { type: 'region' });
    } catch {
      names = null;
    }
    regionNames.set(locale, names);
  }
  try {
    return names?.of(code) ?? code;
  } catch {
    return code;
  }
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * One line of an address in the order its country writes it. Chinese, Japanese and Korean addresses run from the
 * largest place to the smallest — country, 省 region, 市 city, then the street lines (district, road, number) — with
 * no separators between parts written in those scripts and the postal code last; everywhere else, street first,
 * comma-separated, the country last.
 */
export function formatAddress(address: Address, locale: string): string {
  const country = address.country ? countryName(address.country, locale) : undefined;
  const largestFirst =
    address.country === 'CN' ||
    address.country === 'JP' ||
    address.country === 'KR' ||
    address.country === 'TW' ||
    address.country === 'HK' ||
    address.country === 'MO';
  if (!largestFirst) {
    return [address.line1, address.line2, address.postalCode, address.city, address.region, country]
      .filter((part): part is string => part !== undefined && part !== '')
      .join(', ');
  }
  const parts = [country, address.region, address.city, address.line1, address.line2].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  let text = '';
  for (const part of parts) {
    // 广东省深圳市: parts in CJK scripts join directly; a romanised part (Guangdong, Shenzhen) keeps a space.
    const joinDirectly = text === '' || (CJK.test(text.slice(-1)) && CJK.test(part.charAt(0)));
    text += joinDirectly ? part : ` ${part}`;
  }
  return address.postalCode ? `${text} ${address.postalCode}`.trim() : text;
}
