// The intranet's own customer finder beside <crm-customer-360>: a search box and a list of links. Choosing a customer
// only changes the page's address (#customers/<id>); the router hands the id to the card.
//
// The list pages through the customer service by name, a page at a time: `crm.customers.list` returns a `next`
// cursor while more match, and "Show more" hands it back as `after`. Only what is shown is read, however many
// customers the desk has; the search box becomes the query's `where`.
import type { Crm, Customer, Filter } from '@crmkit/core';
import { fill, h } from './dom.js';
import type { Locale, Strings } from './strings.js';

/** Customers per page of the list. */
export const PAGE = 50;
const BY_NAME = [{ field: 'name', direction: 'asc' }] as const;

export class CustomerFinder {
  private customers: Customer[] = [];
  /** The cursor of the next page, while more customers match. */
  private next: string | undefined;
  /** How many customers match the search. */
  private total = 0;
  /** The search the list shows. */
  private query = '';
  private selectedId = '';
  /** Each read takes a number; a read overtaken by a newer one (a new search, a reload) is dropped. */
  private generation = 0;
  private loadingMore = false;
  private strings?: Strings;
  private locale: Locale = 'en';

  constructor(
    private readonly crm: Crm,
    private readonly search: HTMLInputElement,
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
    private readonly more: HTMLButtonElement,
  ) {
    more.addEventListener('click', () => void this.showMore());
  }

  /**
   * Reads the list again for the search box's text, keeping as many customers as are shown (a page at least). Called
   * at start, on each search and when customers change, here or elsewhere.
   */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    const query = this.search.value.trim();
    const where = matching(query);
    const keep = query === this.query ? Math.max(PAGE, this.customers.length) : PAGE;
    const [page, total] = await Promise.all([
      this.crm.customers.list({ ...(where ? { where } : {}), orderBy: BY_NAME, limit: keep }),
      this.crm.customers.count(where),
    ]);
    if (generation !== this.generation) return;
    this.query = query;
    this.customers = page.records;
    this.next = page.next;
    this.total = total;
    this.loadingMore = false;
    this.draw();
  }

  /** Appends the next page and moves focus to its first customer, so a keyboard user carries on from there. */
  async showMore(): Promise<void> {
    const after = this.next;
    if (after === undefined || this.loadingMore) return;
    this.loadingMore = true;
    this.draw();
    const generation = this.generation;
    const where = matching(this.query);
    try {
      const page = await this.crm.customers.list({ ...(where ? { where } : {}), orderBy: BY_NAME, limit: PAGE, after });
      if (generation !== this.generation) return;
      const first = this.customers.length;
      this.customers = [...this.customers, ...page.records];
      this.next = page.next;
      this.loadingMore = false;
      this.draw();
      this.list.querySelectorAll('a')[first]?.focus();
    } finally {
      if (generation === this.generation && this.loadingMore) {
        this.loadingMore = false;
        this.draw();
      }
    }
  }

  select(id: string): void {
    this.selectedId = id;
    this.draw();
  }

  render(t: Strings, locale: Locale): void {
    this.strings = t;
    this.locale = locale;
    this.draw();
  }

  private draw(): void {
    const t = this.strings;
    if (!t) return;
    const number = new Intl.NumberFormat(this.locale);
    this.count.textContent = t.customerCount(number.format(this.customers.length), number.format(this.total));
    this.more.textContent = this.loadingMore ? t.loadingMore : t.showMore;
    this.more.hidden = this.next === undefined;
    this.more.disabled = this.loadingMore;
    if (this.customers.length === 0) {
      fill(this.list, h('li', { class: 'muted' }, t.noCustomerMatch));
      return;
    }
    fill(
      this.list,
      ...this.customers.map((customer) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `#customers/${encodeURIComponent(customer.id)}`,
              'aria-current': customer.id === this.selectedId ? 'page' : undefined,
            },
            customer.name,
          ),
          h(
            'span',
            { class: 'muted' },
            [customer.kind === 'person' ? t.person : t.organisation, customer.address?.city]
              .filter(Boolean)
              .join(' · '),
          ),
        ),
      ),
    );
  }
}

/** Customers whose name, company or city contains the text (any case), or with exactly this email address. */
function matching(query: string): Filter | undefined {
  if (query === '') return undefined;
  return {
    any: [
      { field: 'name', op: 'contains', value: query },
      { field: 'company', op: 'contains', value: query },
      { field: 'address.city', op: 'contains', value: query },
      { field: 'emails', op: 'contains', value: query },
    ],
  };
}
