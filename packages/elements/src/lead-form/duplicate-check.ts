/**
 * The lead form's duplicate warning as a reactive controller: after a quiet pause in typing, asks
 * `crm.leads.findDuplicates` about the valid email, phone, and name with company typed so far; a newer lookup
 * supersedes an older one, whose answer is dropped.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CrmErrorCode, type Crm, type DuplicateMatch, type DuplicateQuery } from '@crmkit/core';
import { errorCode } from '../internal/form-controller.js';
import { CrmErrorEvent } from '../internal/events.js';
import type { LeadFormField, LeadFormIssue } from './fields.js';
import type { LeadValidation } from './validate.js';

/** The duplicate warning shown while typing: kinds and field names of the strongest match, never its values. */
export interface DuplicateWarning {
  readonly kind: DuplicateMatch['kind'];
  readonly fields: readonly string[];
  readonly blocked: boolean;
  readonly count: number;
  /** The matched record's name; only with `reveal-duplicate-names`. */
  readonly name?: string;
}

/** What to look duplicates up by: the valid email, phone, and name with company, typed so far. */
export function duplicateQuery(
  validation: LeadValidation,
  fields: readonly LeadFormField[],
  serverIssues: ReadonlyMap<string, LeadFormIssue>,
): DuplicateQuery | undefined {
  const { issues, submission } = validation;
  const lead = submission.lead as Record<string, unknown>;
  const usable = (field: 'email' | 'phone' | 'name' | 'company') =>
    fields.includes(field) &&
    typeof lead[field] === 'string' &&
    !issues.has(field) &&
    !serverIssues.has(field) &&
    !(field === 'phone' && validation.phonePending)
      ? (lead[field] as string)
      : undefined;
  const email = usable('email');
  const phone = usable('phone');
  const name = usable('name');
  const company = usable('company');
  const query: DuplicateQuery = {
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(name && company ? { name, company } : {}),
  };
  return Object.keys(query).length > 0 ? query : undefined;
}

export interface DuplicateCheckOptions {
  /** The CRM to ask, or `undefined` when no lookups should run (presentational, `duplicate-check="off"`). */
  readonly crm: () => Crm | undefined;
  /** What to look up now, if anything. */
  readonly query: () => DuplicateQuery | undefined;
  /** Milliseconds of quiet typing before a lookup. */
  readonly delay: () => number;
  /** Whether the warning names the matched record. */
  readonly revealNames: () => boolean;
}

type Host = ReactiveControllerHost & HTMLElement;

export class DuplicateCheckController implements ReactiveController {
  /** The warning shown now. */
  warning?: DuplicateWarning;

  private readonly host: Host;
  private readonly options: DuplicateCheckOptions;
  private timer?: ReturnType<typeof setTimeout>;
  private key = '';
  private run = 0;
  private lookup: Promise<void> = Promise.resolve();
  private settleLookup?: () => void;

  constructor(host: Host, options: DuplicateCheckOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.cancel();
  }

  /** Resolves once the lookup in progress, if any, has settled (or been superseded). */
  settled(): Promise<void> {
    return this.lookup;
  }

  /** Clears the warning and stops any lookup. */
  clear(): void {
    this.cancel();
    this.setWarning(undefined);
  }

  /**
   * Starts a lookup after the delay, superseding any older one, and clears the warning meanwhile. Cheap when nothing
   * a lookup reads has changed: the query is compared with the last one.
   */
  schedule(): void {
    const crm = this.host.isConnected ? this.options.crm() : undefined;
    const query = crm ? this.options.query() : undefined;
    const key = query ? JSON.stringify(query) : '';
    if (key === this.key) return;
    this.cancel();
    this.key = key;
    this.setWarning(undefined);
    if (!crm || !query) return;
    const run = this.run;
    let settle: () => void = () => undefined;
    this.lookup = new Promise<void>((resolve) => (settle = resolve));
    this.settleLookup = settle;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.lookUp(crm, query, run).finally(settle);
    }, this.options.delay());
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.run++;
    this.key = '';
    // Whoever waits on a superseded lookup stops waiting.
    this.settleLookup?.();
    this.settleLookup = undefined;
  }

  private setWarning(warning: DuplicateWarning | undefined): void {
    if (warning === this.warning) return;
    this.warning = warning;
    this.host.requestUpdate();
  }

  private async lookUp(crm: Crm, query: DuplicateQuery, run: number): Promise<void> {
    try {
      const matches = await crm.leads.findDuplicates(query);
      if (run !== this.run) return;
      const top = matches[0];
      if (!top) {
        this.setWarning(undefined);
        return;
      }
      const name = this.options.revealNames() ? await nameOf(crm, top) : undefined;
      if (run !== this.run) return;
      this.setWarning({
        kind: top.kind,
        fields: top.fields,
        blocked: top.policy === 'block',
        count: matches.length,
        ...(name ? { name } : {}),
      });
    } catch (error) {
      if (run !== this.run) return;
      this.setWarning(undefined);
      if (errorCode(error) !== CrmErrorCode.validation) {
        this.host.dispatchEvent(new CrmErrorEvent({ error, operation: 'duplicate-check' }));
      }
    }
  }
}

/** The matched record's name, or `undefined` when it cannot be read. */
async function nameOf(crm: Crm, match: DuplicateMatch): Promise<string | undefined> {
  try {
    const record =
      match.kind === 'lead'
        ? await crm.leads.get(match.id)
        : match.kind === 'customer'
          ? await crm.customers.get(match.id)
          : await crm.contacts.get(match.id);
    const name = (record as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
