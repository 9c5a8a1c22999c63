/** Names, phone numbers and email addresses of people and organisations, in Chinese and English. */
import type { SeededRandom } from './random.js';
import {
  CN_MOBILE_PREFIXES,
  EN_FAMILY_NAMES,
  EN_GIVEN_NAMES,
  EN_INDUSTRIES,
  EN_LEGAL_FORMS,
  EN_TRADE_NAMES,
  ZH_FAMILY_NAMES,
  ZH_GIVEN_NAMES,
  ZH_INDUSTRIES,
  ZH_TRADE_NAMES,
  type DemoCity,
  type DemoLanguage,
} from './vocabulary.js';

const digits = (random: SeededRandom, length: number): string =>
  String(random.int(0, 10 ** length - 1)).padStart(length, '0');
/** Subscriber digits of a landline: they never start with 0 or 1 (trunk and special prefixes). */
const local = (random: SeededRandom, length: number): string => `${random.int(2, 9)}${digits(random, length - 1)}`;

/** A mobile number in the city's format; fictional ranges where the regulator reserves one (UK, AU, US). */
export function mobilePhone(random: SeededRandom, city: DemoCity): string {
  switch (city.country) {
    case 'CN':
      return `+86 ${random.pick(CN_MOBILE_PREFIXES)} ${digits(random, 4)} ${digits(random, 4)}`;
    case 'US':
    case 'CA':
      return `+1 ${city.area}-555-01${digits(random, 2)}`;
    case 'GB':
      return `+44 7700 900${digits(random, 3)}`;
    case 'DE':
      return `+49 151 ${digits(random, 4)} ${digits(random, 4)}`;
    case 'SG':
      return `+65 9${digits(random, 3)} ${digits(random, 4)}`;
    case 'HK':
      return `+852 9${digits(random, 3)} ${digits(random, 4)}`;
    case 'AU':
      return `+61 491 570 ${digits(random, 3)}`;
    default:
      return `+81 90 ${digits(random, 4)} ${digits(random, 4)}`;
  }
}

/** An office number in the city's format. */
export function officePhone(random: SeededRandom, city: DemoCity): string {
  switch (city.country) {
    case 'CN':
      return `+86 ${city.area} ${local(random, 4)} ${digits(random, 4)}`;
    case 'US':
    case 'CA':
      return `+1 ${city.area}-555-01${digits(random, 2)}`;
    case 'GB':
      return `+44 20 7946 0${digits(random, 3)}`;
    case 'DE':
      return `+49 30 ${local(random, 4)} ${digits(random, 4)}`;
    case 'SG':
      return `+65 6${digits(random, 3)} ${digits(random, 4)}`;
    case 'HK':
      return `+852 2${digits(random, 3)} ${digits(random, 4)}`;
    case 'AU':
      return `+61 2 5550 ${digits(random, 4)}`;
    default:
      return `+81 3 ${local(random, 4)} ${digits(random, 4)}`;
  }
}

/** A person's name parts plus the romanised parts for email addresses. */
export interface PersonName {
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly latinGiven: string;
  readonly latinFamily: string;
}

export function personName(random: SeededRandom, language: DemoLanguage): PersonName {
  if (language === 'zh') {
    const family = random.pick(ZH_FAMILY_NAMES);
    const given = random.pick(ZH_GIVEN_NAMES);
    // Chinese order: family name first, no space (张伟).
    return {
      name: family.text + given.text,
      givenName: given.text,
      familyName: family.text,
      latinGiven: given.latin,
      latinFamily: family.latin,
    };
  }
  const given = random.pick(EN_GIVEN_NAMES);
  const family = random.pick(EN_FAMILY_NAMES);
  return {
    name: `${given} ${family}`,
    givenName: given,
    familyName: family,
    latinGiven: given.toLowerCase(),
    latinFamily: family.toLowerCase(),
  };
}

/** A work email: `zhangwei@…` in Chinese companies, `emily.johnson@…` in English-speaking ones. */
export function workEmail(person: PersonName, language: DemoLanguage, domain: string): string {
  return language === 'zh'
    ? `${person.latinFamily}${person.latinGiven}@${domain}`
    : `${person.latinGiven}.${person.latinFamily}@${domain}`;
}

/** An organisation's name, its short names for titles (trade name; with the industry), its (reserved) domain. */
export interface OrganisationName {
  readonly name: string;
  readonly short: string;
  readonly long: string;
  readonly domain: string;
}

export function organisationName(random: SeededRandom, language: DemoLanguage, city: DemoCity): OrganisationName {
  if (language === 'zh') {
    const trade = random.pick(ZH_TRADE_NAMES);
    const industry = random.pick(ZH_INDUSTRIES);
    const form = random.chance(0.15) ? '股份有限公司' : '有限公司';
    return {
      name: `${city.city}${trade.text}${industry.text}${form}`,
      short: trade.text,
      long: trade.text + industry.text,
      domain: `${trade.latin}-${industry.latin}.example`,
    };
  }
  const trade = random.pick(EN_TRADE_NAMES);
  const industry = random.pick(EN_INDUSTRIES);
  const form = random.pick(EN_LEGAL_FORMS[city.country] ?? ['Ltd.']);
  const slug = `${trade}-${industry}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    name: `${trade} ${industry} ${form}`,
    short: trade,
    long: `${trade} ${industry}`,
    domain: `${slug}.example`,
  };
}
