// The intranet's own customer finder beside <crm-customer-360>: a search box and a list of links. Choosing a customer
// only changes the page's address (#customers/<id>); the router hands the id to the card.
import type { Crm, Customer } from '@crmkit/core';
import { fill, h } from './dom.js';
import type { Locale, Strings } from './strings.js';

/** How many matches the list shows; the search narrows the rest. */
const SHOWN = 50;

export class CustomerFinder {
  private customers: readonly Customer[] = [];
  private selectedId = '';

  constructor(
    private readonly crm: Crm,
    private readonly search: HTMLInputElement,
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
  ) {}

  /** Reads every customer (a page of 500 at a time). Called at start and when customers change, here or elsewhere. */
  async reload(): Promise<void> {
    const customers: Customer[] = [];
    let after: string | undefined;
    do {
      const page = await this.crm.customers.list({ limit: 500, ...(after ? { after } : {}) });
      customers.push(...page.records);
      after = page.next;
    } while (after);
    this.customers = customers;
  }

  select(id: string): void {
    this.selectedId = id;
  }

  render(t: Strings, locale: Locale): void {
    const collator = new Intl.Collator(locale, { sensitivity: 'base' });
    const query = this.search.value.trim().toLocaleLowerCase(locale);
    const matches = this.customers
      .filter((customer) => !query || searchText(customer, locale).includes(query))
      .sort((a, b) => collator.compare(a.name, b.name));
    const number = new Intl.NumberFormat(locale);
    this.count.textContent = t.customerCount(
      number.format(Math.min(matches.length, SHOWN)),
      number.format(matches.length),
    );
    if (matches.length === 0) {
      fill(this.list, h('li', { class: 'muted' }, t.noCustomerMatch));
      return;
    }
    fill(
      this.list,
      ...matches.slice(0, SHOWN).map((customer) =>
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

function searchText(customer: Customer, locale: Locale): string {
  return [customer.name, customer.company, customer.address?.city, ...customer.emails]
    .filter(Boolean)
    .join(' ')
    .toLocaleLowerCase(locale);
}
