/** Activities (emails, calls, meetings, notes, chats, web visits, SMS) on deals, customers and leads. */
import type { ActivityType } from '../model/index.js';
import type { CustomerBook } from './customers.js';
import type { DealBook } from './deals.js';
import type { LeadBook } from './leads.js';
import type { DemoActivity } from './model.js';
import { weighted, type SeededRandom } from './random.js';
import { idMaker, type Run } from './run.js';
import { ACTIVITY_BODIES, ACTIVITY_SUBJECTS, fill, type DemoLanguage } from './vocabulary.js';

const ACTIVITY_TYPE = /* @__PURE__ */ weighted<ActivityType>({
  email: 30,
  call: 25,
  meeting: 12,
  note: 10,
  chat: 10,
  web_visit: 8,
  sms: 5,
});

/** How often an activity of each type is outbound (the rest inbound); notes are internal, web visits inbound. */
const OUTBOUND_SHARE: Readonly<Record<ActivityType, number>> = {
  email: 0.6,
  call: 0.7,
  meeting: 0.8,
  note: 0,
  chat: 0.5,
  web_visit: 0,
  sms: 0.85,
};

/**
 * Activities in time order: most on a deal (and its customer, often with a contact), some on a customer alone, some
 * on a lead while it was a lead. Each falls within the life of what it is about.
 */
export function generateActivities(
  run: Run,
  random: SeededRandom,
  count: number,
  book: CustomerBook,
  dealBook: DealBook,
  leadBook: LeadBook,
): DemoActivity[] {
  const r = random;
  const dealCount = dealBook.deals.length;
  const customerCount = book.customers.length;
  const leadCount = leadBook.leads.length;
  const link = weighted({
    deal: dealCount > 0 ? 60 : 0,
    customer: customerCount > 0 ? 25 : 0,
    lead: leadCount > 0 ? 15 : 0,
  });
  const drafts: { at: number; activity: DemoActivity }[] = [];
  for (let index = 0; index < count; index++) {
    const type = ACTIVITY_TYPE(r);
    const about = link(r);
    const activity: DemoActivity = {
      id: '',
      type,
      direction: type === 'note' ? 'internal' : r.chance(OUTBOUND_SHARE[type]) ? 'outbound' : 'inbound',
      occurredAt: '',
      customFields: {},
      createdAt: '',
      updatedAt: '',
    };
    let from: number;
    let to: number;
    let language: DemoLanguage;
    let ownerId: string | undefined;
    if (about === 'lead') {
      const leadIndex = r.int(0, leadCount - 1);
      const lead = leadBook.leads[leadIndex]!;
      activity.leadId = lead.id;
      language = leadBook.language[leadIndex]!;
      from = leadBook.created[leadIndex]!;
      to = leadBook.until[leadIndex]!;
      ownerId = lead.ownerId;
    } else {
      let customerIndex: number;
      if (about === 'deal') {
        const dealIndex = r.int(0, dealCount - 1);
        const deal = dealBook.deals[dealIndex]!;
        customerIndex = dealBook.customer[dealIndex]!;
        activity.dealId = deal.id;
        from = dealBook.created[dealIndex]!;
        to = dealBook.until[dealIndex]!;
        ownerId = deal.ownerId;
      } else {
        customerIndex = r.int(0, customerCount - 1);
        from = book.facts[customerIndex]!.created;
        to = run.now;
        ownerId = book.customers[customerIndex]!.ownerId;
      }
      const facts = book.facts[customerIndex]!;
      language = facts.language;
      activity.customerId = book.customers[customerIndex]!.id;
      if (facts.contacts.length > 0 && type !== 'note' && type !== 'web_visit' && r.chance(0.7)) {
        // A contact can only take part once it exists.
        const contactIndex = r.pick(facts.contacts);
        activity.contactId = book.contacts[contactIndex]!.id;
        from = Math.max(from, book.contactCreated[contactIndex]!);
      }
    }
    const channel = activityChannel(r, type, language);
    if (channel) activity.channel = channel;
    const subject = r.pick(ACTIVITY_SUBJECTS[language][type]!);
    activity.subject = subject;
    if (type === 'email' || type === 'note' || type === 'meeting') {
      activity.body = fill(r.pick(ACTIVITY_BODIES[language]), subject);
    }
    if (type === 'call') activity.durationMinutes = r.int(2, 45);
    else if (type === 'meeting') activity.durationMinutes = r.int(2, 8) * 15;
    // Web visits are captured, not had by a user.
    if (type !== 'web_visit' && ownerId) activity.ownerId = ownerId;
    const at = run.between(r, from, to);
    activity.occurredAt = activity.createdAt = activity.updatedAt = run.iso(at);
    drafts.push({ at, activity });
  }
  // Ids follow time, so a timeline in id order is a timeline in time order.
  drafts.sort((a, b) => a.at - b.at);
  const activityId = idMaker('act', count);
  return drafts.map(({ activity }, index) => {
    activity.id = activityId(index);
    return activity;
  });
}

/** The concrete tool of an activity: WeChat in China, WhatsApp or Zoom elsewhere. */
function activityChannel(random: SeededRandom, type: ActivityType, language: DemoLanguage): string | undefined {
  switch (type) {
    case 'email':
      return 'email';
    case 'call':
      return 'phone';
    case 'meeting':
      return random.chance(0.5) ? 'in_person' : language === 'zh' ? 'tencent_meeting' : 'zoom';
    case 'chat':
      return language === 'zh' ? 'wechat' : random.chance(0.6) ? 'whatsapp' : 'slack';
    case 'web_visit':
      return 'website';
    case 'sms':
      return 'sms';
    default:
      return undefined;
  }
}
