/** Leads: converted ones (into a customer and its first deal) and the rest, new, worked, qualified or disqualified. */
import type { LeadStatus } from '../model/index.js';
import { SOURCES, type CustomerBook } from './customers.js';
import type { DealBook } from './deals.js';
import type { DemoLead } from './model.js';
import { mobilePhone, organisationName, personName, workEmail } from './people.js';
import { weighted, type SeededRandom } from './random.js';
import { idMaker, monthSlices, spread, type Run } from './run.js';
import type { Staff } from './staff.js';
import { DAY, MINUTE } from './time.js';
import {
  CAMPAIGNS,
  CN_CITIES,
  DISQUALIFY_REASONS,
  EN_OTHER_CITIES,
  PERSONAL_EMAIL_DOMAINS,
  US_CITIES,
  type DemoLanguage,
} from './vocabulary.js';

/** Score ranges by status: qualified leads score high, disqualified ones low. Converted: 65–100. */
const LEAD_SCORES: Readonly<Record<Exclude<LeadStatus, 'converted'>, readonly [number, number]>> = {
  new: [0, 40],
  working: [20, 70],
  qualified: [55, 95],
  disqualified: [0, 30],
};

export interface LeadBook {
  readonly leads: DemoLead[];
  readonly language: DemoLanguage[];
  readonly created: number[];
  /** When the lead was converted; `now` otherwise. */
  readonly until: number[];
  /** Indexes of leads still being worked (not disqualified, not converted). */
  readonly open: number[];
  /** The index of the deal each lead was converted into; -1 for none. */
  readonly deal: number[];
}

/** The status of a lead that was not converted, by its age in days: recent ones are new, old ones were decided. */
const LEAD_STATUS = [
  [14, /* @__PURE__ */ weighted({ new: 60, working: 30, disqualified: 10 })],
  [60, /* @__PURE__ */ weighted({ new: 5, working: 45, qualified: 25, disqualified: 25 })],
  [Infinity, /* @__PURE__ */ weighted({ working: 20, qualified: 30, disqualified: 50 })],
] as const;

/**
 * Leads in creation order. About 30 % were converted, each into a distinct customer (and its first deal) that came
 * after the set-up week, up to 30 days before that customer was created; the rest came in over the whole year, more in
 * busy months, and are new (recent), being worked, qualified or disqualified.
 */
export function generateLeads(
  run: Run,
  random: SeededRandom,
  count: number,
  staff: Staff,
  book: CustomerBook,
  dealBook: DealBook,
): LeadBook {
  const { iso } = run;
  const r = random;
  const slices = monthSlices(run, 0, run.last);
  const converted = dealBook.converted.length;
  const perSlice = spread(r, count - converted, slices);
  let slice = 0;
  const drafts = Array.from({ length: count }, (_, index) => {
    const customer = dealBook.converted[index];
    if (customer !== undefined) {
      const became = book.facts[customer]!.created;
      const created = run.between(r, Math.max(run.start, became - 30 * DAY), became - MINUTE);
      return { status: 'converted' as LeadStatus, customer, created, until: became };
    }
    while (perSlice[slice] === 0) slice++;
    perSlice[slice]!--;
    const created = run.clock.at(r.int(slices[slice]!.first, slices[slice]!.last));
    const status: LeadStatus = LEAD_STATUS.find(([days]) => run.now - created < days * DAY)![1](r);
    return { status, customer: -1, created, until: run.now };
  }).sort((a, b) => a.created - b.created);

  const leadId = idMaker('led', count);
  const result: LeadBook = { leads: [], language: [], created: [], until: [], open: [], deal: [] };
  drafts.forEach((draft, index) => {
    const { status, created } = draft;
    let language: DemoLanguage;
    const lead: DemoLead = {
      id: leadId(index),
      name: '',
      status,
      score: 0,
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(created),
    };
    if (draft.customer >= 0) {
      // The lead as captured: the person (an organisation's primary contact) who became the customer.
      const customer = book.customers[draft.customer]!;
      const facts = book.facts[draft.customer]!;
      language = facts.language;
      const contact = facts.contacts.length > 0 ? book.contacts[facts.contacts[0]!] : undefined;
      lead.name = contact?.name ?? customer.name;
      if (customer.company) lead.company = customer.company;
      const email = contact?.emails[0] ?? customer.emails[0];
      if (email) lead.email = email;
      const phone = contact?.phones[0] ?? customer.phones[0];
      if (phone) lead.phone = phone;
      if (customer.source) lead.source = customer.source;
      lead.score = r.int(65, 100);
      if (customer.ownerId) lead.ownerId = customer.ownerId;
      lead.convertedCustomerId = customer.id;
      const firstDeal = facts.deals[0];
      if (firstDeal !== undefined) lead.convertedDealId = dealBook.deals[firstDeal]!.id;
      result.deal.push(firstDeal ?? -1);
      lead.updatedAt = iso(draft.until);
    } else {
      language = r.chance(0.5) ? 'zh' : 'en';
      const city = language === 'zh' ? r.pick(CN_CITIES) : r.chance(0.7) ? r.pick(US_CITIES) : r.pick(EN_OTHER_CITIES);
      const person = personName(r, language);
      lead.name = person.name;
      const organisation = r.chance(0.7) ? organisationName(r, language, city) : undefined;
      if (organisation) lead.company = organisation.name;
      if (r.chance(0.85)) {
        lead.email = organisation
          ? workEmail(person, language, organisation.domain)
          : `${person.latinGiven}.${person.latinFamily}${r.int(1, 99)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`;
      }
      if (r.chance(0.6)) lead.phone = mobilePhone(r, city);
      lead.source = SOURCES[language](r);
      const [low, high] = LEAD_SCORES[status as Exclude<LeadStatus, 'converted'>];
      lead.score = r.int(low, high);
      // Some new leads still wait for assignment.
      if (status !== 'new' || r.chance(0.6)) lead.ownerId = r.pick(staff.ownerPool(language));
      if (status === 'disqualified') lead.disqualifyReason = r.pick(DISQUALIFY_REASONS[language]);
      else result.open.push(index);
      result.deal.push(-1);
      if (status !== 'new') lead.updatedAt = iso(run.between(r, created, run.now));
    }
    const campaigns = lead.source ? CAMPAIGNS[language][lead.source] : undefined;
    if (campaigns && r.chance(0.7)) lead.campaign = r.pick(campaigns);
    result.leads.push(lead);
    result.language.push(language);
    result.created.push(created);
    result.until.push(draft.until);
  });
  return result;
}
