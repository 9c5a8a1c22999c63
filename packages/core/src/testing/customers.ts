/** Customers (people and organisations) with the contacts of organisations, and the sources they came from. */
import type { DemoContact, DemoCustomer } from './model.js';
import { mobilePhone, officePhone, organisationName, personName, workEmail, type PersonName } from './people.js';
import { weighted, type SeededRandom } from './random.js';
import { idMaker, type Run } from './run.js';
import type { Staff } from './staff.js';
import { DAY, WORKING_DAY } from './time.js';
import {
  CN_CITIES,
  CONTACT_TITLES,
  EN_OTHER_CITIES,
  EN_STREETS,
  PERSONAL_EMAIL_DOMAINS,
  US_CITIES,
  ZH_OTHER_CITIES,
  ZH_STREETS,
  type DemoCity,
  type DemoLanguage,
} from './vocabulary.js';

/** The lead and customer sources, weighted per language (WeChat is a Chinese channel). */
export const SOURCE_WEIGHTS: Readonly<Record<DemoLanguage, Readonly<Record<string, number>>>> = {
  zh: { website: 20, referral: 20, trade_show: 12, wechat: 28, cold_call: 10, ads: 10 },
  en: { website: 30, referral: 22, trade_show: 15, cold_call: 15, ads: 18 },
};
export const SOURCES: Readonly<Record<DemoLanguage, (random: SeededRandom) => string>> = {
  zh: /* @__PURE__ */ weighted(SOURCE_WEIGHTS.zh),
  en: /* @__PURE__ */ weighted(SOURCE_WEIGHTS.en),
};

const CONTACTS_PER_ORGANISATION = /* @__PURE__ */ weighted({ '1': 45, '2': 35, '3': 20 });

/** What the generator remembers about a customer beyond its record. */
export interface CustomerFacts {
  readonly language: DemoLanguage;
  /** The name used in deal and task titles: the trade name of an organisation, a person's full name. */
  readonly short: string;
  /** The name deal titles use when another customer has the same short one: the trade name and industry. */
  readonly long: string;
  readonly created: number;
  readonly keyAccount: boolean;
  /** Indexes of its contacts, the primary one first. */
  readonly contacts: number[];
  /** Indexes of its deals, oldest first. */
  readonly deals: number[];
}

export interface CustomerBook {
  readonly customers: DemoCustomer[];
  readonly facts: CustomerFacts[];
  readonly contacts: DemoContact[];
  readonly contactCustomer: number[];
  readonly contactCreated: number[];
}

/** The share of customers already on the books when the CRM was set up, entered in its first week of use. */
const IMPORTED = 0.3;
/** Working days: the imported customers are entered from the 2nd to the 6th, the rest come after. */
const IMPORT_FROM = 1;
export const IMPORT_TO = 6;

/**
 * When a customer was created, from a uniform draw, in an order-keeping way: the imported book during the first
 * working week, then new customers up to two days before `now` at a pace growing by half over the year.
 */
function customerCreated(run: Run, draw: number): number {
  const { clock } = run;
  const importFrom = IMPORT_FROM * WORKING_DAY;
  const importTo = IMPORT_TO * WORKING_DAY;
  if (draw < IMPORTED) return clock.at(Math.floor(importFrom + (draw / IMPORTED) * (importTo - importFrom)));
  // The inverse of F(x) = 0.8x + 0.2x², the share of new customers by x of the way: a density from 0.8 to 1.2.
  const share = (draw - IMPORTED) / (1 - IMPORTED);
  const x = (Math.sqrt(0.64 + 0.8 * share) - 0.8) / 0.4;
  const last = clock.index(run.now - 2 * DAY, true);
  return clock.at(Math.floor(importTo + x * (last - importTo)));
}

/** Customers in creation order, half Chinese and half English, ~40 % people; organisations get 1–3 contacts. */
export function generateCustomers(
  run: Run,
  random: SeededRandom,
  contactRandom: SeededRandom,
  count: number,
  staff: Staff,
): CustomerBook {
  const { iso } = run;
  const r = random;
  const customerId = idMaker('cus', count);
  const created = Array.from({ length: count }, () => customerCreated(run, r.next())).sort((a, b) => a - b);
  const customers: DemoCustomer[] = [];
  const facts: CustomerFacts[] = [];
  const contactDrafts: { customer: number; person: PersonName; domain: string; city: DemoCity }[] = [];
  const usedOrganisations = new Set<string>();
  for (let index = 0; index < count; index++) {
    const language: DemoLanguage = r.chance(0.5) ? 'zh' : 'en';
    const city =
      language === 'zh'
        ? r.chance(0.88)
          ? r.pick(CN_CITIES)
          : r.pick(ZH_OTHER_CITIES)
        : r.chance(0.6)
          ? r.pick(US_CITIES)
          : r.pick(EN_OTHER_CITIES);
    const isPerson = r.chance(0.4);
    const at = created[index]!;
    const source = SOURCES[language](r);
    const keyAccount = !isPerson && r.chance(0.2);
    const tags: string[] = [];
    if (r.chance(0.12)) tags.push('vip');
    if (keyAccount) tags.push('key_account');
    if (!isPerson) tags.push(r.chance(0.3) ? 'enterprise' : 'smb');
    if (source === 'referral' && r.chance(0.3)) tags.push('partner');
    if (r.chance(0.3)) tags.push('newsletter');
    const customer: DemoCustomer = {
      id: customerId(index),
      kind: isPerson ? 'person' : 'organisation',
      name: '',
      emails: [],
      phones: [],
      source,
      ownerId: r.pick(staff.ownerPool(language)),
      tags,
      // Set by assignLifecycle once the deals are known.
      lifecycleStage: 'subscriber',
      country: city.country,
      customFields: {},
      createdAt: iso(at),
      updatedAt: iso(run.between(r, at, run.now)),
    };
    const address: NonNullable<DemoCustomer['address']> = { city: city.city };
    if (city.region) address.region = city.region;
    address.country = city.country;
    let short: string;
    let long: string;
    if (isPerson) {
      const person = personName(r, language);
      customer.name = person.name;
      customer.givenName = person.givenName;
      customer.familyName = person.familyName;
      customer.emails.push(
        language === 'zh' && r.chance(0.3)
          ? `${r.int(10_000_000, 2_999_999_999)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`
          : `${person.latinGiven}.${person.latinFamily}${r.int(1, 99)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`,
      );
      customer.phones.push(mobilePhone(r, city));
      if (r.chance(0.5)) customer.company = organisationName(r, language, city).name;
      short = long = person.name;
    } else {
      let organisation = organisationName(r, language, city);
      // A few retries keep names unique in small data sets; huge ones may repeat, as real data does.
      for (let attempt = 0; attempt < 5 && usedOrganisations.has(organisation.name); attempt++) {
        organisation = organisationName(r, language, city);
      }
      usedOrganisations.add(organisation.name);
      customer.name = organisation.name;
      customer.company = organisation.name;
      customer.website = `https://www.${organisation.domain}`;
      customer.emails.push(`${language === 'zh' ? 'info' : 'sales'}@${organisation.domain}`);
      customer.phones.push(officePhone(r, city));
      address.line1 =
        language === 'zh' ? `${r.pick(ZH_STREETS)}${r.int(1, 999)}号` : `${r.int(1, 2999)} ${r.pick(EN_STREETS)}`;
      ({ short, long } = organisation);
      const contacts = Number(CONTACTS_PER_ORGANISATION(r));
      for (let n = 0; n < contacts; n++) {
        contactDrafts.push({ customer: index, person: personName(r, language), domain: organisation.domain, city });
      }
    }
    customer.address = address;
    customers.push(customer);
    facts.push({ language, short, long, created: at, keyAccount, contacts: [], deals: [] });
  }

  const contactId = idMaker('con', contactDrafts.length);
  const contactCustomer: number[] = [];
  const contactCreated: number[] = [];
  const contacts = contactDrafts.map((draft, index): DemoContact => {
    const owner = facts[draft.customer]!;
    const at = run.between(contactRandom, owner.created, Math.min(owner.created + 3 * DAY, run.now - DAY));
    contactCustomer.push(draft.customer);
    contactCreated.push(at);
    const primary = owner.contacts.length === 0;
    owner.contacts.push(index);
    return {
      id: contactId(index),
      customerId: customers[draft.customer]!.id,
      // Contacts belong to their customer's owner, as the contact service keeps them.
      ...(customers[draft.customer]!.ownerId === undefined ? {} : { ownerId: customers[draft.customer]!.ownerId }),
      name: draft.person.name,
      givenName: draft.person.givenName,
      familyName: draft.person.familyName,
      title: contactRandom.pick(CONTACT_TITLES[owner.language]),
      emails: [workEmail(draft.person, owner.language, draft.domain)],
      phones: [mobilePhone(contactRandom, draft.city)],
      primary,
      customFields: {},
      createdAt: iso(at),
      updatedAt: iso(run.between(contactRandom, at, run.now)),
    };
  });
  return { customers, facts, contacts, contactCustomer, contactCreated };
}
