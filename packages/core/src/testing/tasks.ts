/** Tasks with their reminders: open, done and cancelled, on deals, customers, leads and contacts, and personal to-dos. */
import type { Reminder, TaskRelatedKind, TaskStatus, TaskType } from '../model/index.js';
import type { CustomerBook } from './customers.js';
import type { DealBook } from './deals.js';
import type { LeadBook } from './leads.js';
import type { DemoTask } from './model.js';
import { weighted, type SeededRandom } from './random.js';
import { idMaker, type Run } from './run.js';
import type { Staff } from './staff.js';
import { DAY, HOUR, MINUTE } from './time.js';
import { PERSONAL_TODOS, TASK_TITLES, fill, type DemoLanguage } from './vocabulary.js';

const TASK_STATUS = /* @__PURE__ */ weighted<TaskStatus>({ open: 55, done: 38, cancelled: 7 });
const OPEN_TASK_TIMING = /* @__PURE__ */ weighted({ overdue: 35, soon: 40, later: 25 });
const TASK_TYPE = /* @__PURE__ */ weighted<TaskType>({ call: 25, email: 20, meeting: 15, follow_up: 30, todo: 10 });

/**
 * Tasks in creation order: open ones (some overdue, some due within a week, some later) only on open deals and
 * leads, assigned to active users; done ones with `completedAt`; a few cancelled; some personal weekly to-dos.
 */
export function generateTasks(
  run: Run,
  random: SeededRandom,
  count: number,
  staff: Staff,
  book: CustomerBook,
  dealBook: DealBook,
  leadBook: LeadBook,
): DemoTask[] {
  const { iso, now, between } = run;
  const r = random;
  const { customers, contacts, facts } = book;
  const relatedFor = (open: boolean) =>
    weighted<TaskRelatedKind | 'none'>({
      deal: (open ? dealBook.open : dealBook.deals).length > 0 ? 45 : 0,
      customer: customers.length > 0 ? 20 : 0,
      lead: (open ? leadBook.open : leadBook.leads).length > 0 ? 15 : 0,
      contact: contacts.length > 0 ? 5 : 0,
      none: 15,
    });
  const relatedOpen = relatedFor(true);
  const relatedAny = relatedFor(false);
  const drafts: { created: number; task: DemoTask }[] = [];
  for (let index = 0; index < count; index++) {
    const status = TASK_STATUS(r);
    const kind = (status === 'open' ? relatedOpen : relatedAny)(r);
    let type = TASK_TYPE(r);
    let from = run.start;
    let name = '';
    let language: DemoLanguage | undefined;
    let ownerId: string | undefined;
    let related: DemoTask['related'];
    if (kind === 'deal') {
      const dealIndex = status === 'open' ? r.pick(dealBook.open) : r.int(0, dealBook.deals.length - 1);
      const deal = dealBook.deals[dealIndex]!;
      related = { kind, id: deal.id };
      from = dealBook.created[dealIndex]!;
      ({ language, short: name } = facts[dealBook.customer[dealIndex]!]!);
      ownerId = deal.ownerId;
    } else if (kind === 'customer') {
      const customerIndex = r.int(0, customers.length - 1);
      const customer = customers[customerIndex]!;
      related = { kind, id: customer.id };
      ({ language, created: from } = facts[customerIndex]!);
      name = customer.name;
      ownerId = customer.ownerId;
    } else if (kind === 'lead') {
      const leadIndex = status === 'open' ? r.pick(leadBook.open) : r.int(0, leadBook.leads.length - 1);
      const lead = leadBook.leads[leadIndex]!;
      related = { kind, id: lead.id };
      language = leadBook.language[leadIndex]!;
      from = leadBook.created[leadIndex]!;
      name = lead.name;
      ownerId = lead.ownerId;
    } else if (kind === 'contact') {
      const contactIndex = r.int(0, contacts.length - 1);
      const contact = contacts[contactIndex]!;
      const customerIndex = book.contactCustomer[contactIndex]!;
      related = { kind, id: contact.id };
      from = book.contactCreated[contactIndex]!;
      language = facts[customerIndex]!.language;
      name = contact.name;
      ownerId = customers[customerIndex]!.ownerId;
    } else {
      type = 'todo';
    }
    // Open work goes to someone who is still here.
    const assigneeId =
      ownerId && (status !== 'open' || staff.isActive.get(ownerId)) ? ownerId : r.pick(staff.available);
    language ??= staff.languageOf.get(assigneeId) ?? 'en';
    const created = between(r, from, now - HOUR);
    let due: number;
    let completed: number | undefined;
    if (status === 'open') {
      const timing = OPEN_TASK_TIMING(r);
      if (timing === 'overdue') {
        due = between(r, created, now - 30 * MINUTE);
      } else {
        const [soonest, latest] = timing === 'soon' ? [HOUR, 7 * DAY] : [8 * DAY, 60 * DAY];
        due = between(r, now + soonest, now + latest);
      }
    } else {
      due = between(r, created, created + 14 * DAY);
      if (status === 'done') completed = between(r, created, Math.min(now, due + 2 * DAY));
    }
    const task: DemoTask = {
      id: '',
      title: related ? fill(TASK_TITLES[language][type]!, name) : r.pick(PERSONAL_TODOS[language]),
      type,
      dueAt: iso(due),
      reminders: taskReminders(r),
      timeZone: run.clock.timeZone,
      status,
      assigneeId,
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(completed ?? (status === 'cancelled' ? between(r, created, now) : created)),
    };
    if (completed !== undefined) task.completedAt = iso(completed);
    if (related) task.related = related;
    else if (r.chance(0.5)) task.recurrence = { every: 1, unit: 'week' };
    drafts.push({ created, task });
  }
  drafts.sort((a, b) => a.created - b.created);
  const taskId = idMaker('tsk', count);
  return drafts.map(({ task }, index) => {
    task.id = taskId(index);
    return task;
  });
}

const REMINDERS: readonly (readonly Reminder[])[] = [
  [{ minutesBefore: 15 }],
  [{ minutesBefore: 60 }],
  [{ minutesBefore: 1440 }],
  [{ minutesBefore: 1440 }, { minutesBefore: 15 }],
  [],
];

/** A fresh copy of a typical reminder set, so no two tasks share (and could co-mutate) one array. */
function taskReminders(random: SeededRandom): Reminder[] {
  return random.pick(REMINDERS).map((reminder) => ({ ...reminder }));
}
