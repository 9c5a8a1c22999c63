import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { CrmErrorCode } from '@crmkit/core';

/** Where a form is: editing, waiting for the CRM (or the host), done, or refused. */
export const FormPhase = {
  IDLE: 'idle',
  SUBMITTING: 'submitting',
  SUCCESS: 'success',
  FAILURE: 'failure',
} as const;
export type FormPhase = (typeof FormPhase)[keyof typeof FormPhase];

/** The `code` of a crmkit error, or `CRM_UNKNOWN`. */
export function errorCode(error: unknown): CrmErrorCode | 'CRM_UNKNOWN' {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CrmErrorCode) as string[]).includes(code)
    ? (code as CrmErrorCode)
    : 'CRM_UNKNOWN';
}

export interface FormControllerOptions<I> {
  /** The problems as they stand now, shown or not, in the order the fields are shown. */
  readonly issues: () => ReadonlyMap<string, I>;
  /** The id of a field's control in the host's shadow root. */
  readonly controlId: (field: string) => string;
  /** True when a field just left should show its problem later (see the lead form's press hold); it is then touched. */
  readonly held?: (field: string) => boolean;
  /** The host's own submit, which the inner `<form>`'s submit event runs. */
  readonly submit: () => Promise<void>;
}

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/**
 * The behaviour a crmkit form shares, as a reactive controller (Shoelace's `FormControlController` is the model):
 * which problems show (a field once left filled in, every field after a submit, and those the CRM named), the
 * submit guard (one submission at a time, a second click joins it), sending with what a refusal means, and the error
 * summary that takes focus after a refused submit. A form-associated host adds a `FormAssociationController`.
 */
export class FormController<I, F = string> implements ReactiveController {
  phase: FormPhase = FormPhase.IDLE;
  /** Why the last submit failed, until the next one. */
  failure?: F;
  /** Fields left filled in: their problems show. */
  touched: ReadonlySet<string> = new Set();
  /** A submit was tried: every problem shows. */
  attempted = false;
  summaryShown = false;
  /** Problems the CRM named on the last submit; each goes once its field is edited. */
  serverIssues: ReadonlyMap<string, I> = new Map();

  private readonly host: Host;
  private readonly options: FormControllerOptions<I>;
  private submission: Promise<void> = Promise.resolve();
  private submitting = false;

  /** The id of a field's control in the host's shadow root. */
  controlId(field: string): string {
    return this.options.controlId(field);
  }

  constructor(host: Host, options: FormControllerOptions<I>) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  /** Sets some of the state and renders the host again. */
  set(
    state: Partial<Pick<this, 'phase' | 'failure' | 'touched' | 'attempted' | 'summaryShown' | 'serverIssues'>>,
  ): void {
    Object.assign(this, state);
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    // A submission in progress settles on its own; nothing else outlives the host's connection.
  }

  /** The problem shown beside a field: after it was left filled in, after a submit, or from the CRM. */
  shown(field: string): I | undefined {
    const issue = this.options.issues().get(field);
    return issue && (this.attempted || this.touched.has(field) || this.serverIssues.has(field)) ? issue : undefined;
  }

  /** A field was edited: the CRM's problem with it goes, and a success message gives way to the new entry. */
  edited(field: string): void {
    if (this.serverIssues.has(field)) {
      const issues = new Map(this.serverIssues);
      issues.delete(field);
      this.set({ serverIssues: issues });
    }
    if (this.phase === FormPhase.SUCCESS) this.set({ phase: FormPhase.IDLE });
  }

  /** A field was left: its problem shows from now on if it holds something (unless `held` keeps it for later). */
  left(field: string, value: string | undefined): void {
    if ((value ?? '').trim() === '' || this.touched.has(field) || this.options.held?.(field)) return;
    this.touch(field);
  }

  /** Marks fields touched whatever they hold (a checkbox, once changed; fields a press held). */
  touch(...fields: string[]): void {
    const touched = new Set([...this.touched, ...fields]);
    if (touched.size > this.touched.size) this.set({ touched });
  }

  /** The inner `<form>`'s submit: the host submits instead of the page navigating. */
  readonly onSubmit = (event?: Event): void => {
    event?.preventDefault();
    void this.options.submit();
  };

  /** Runs `submit`, one at a time: a submit while one is in progress joins it. */
  submit(run: () => Promise<void>): Promise<void> {
    if (this.submitting) return this.submission;
    this.submitting = true;
    this.submission = run().finally(() => {
      this.submitting = false;
    });
    return this.submission;
  }

  /** Resolves once the submission in progress, if any, has settled. */
  settled(): Promise<void> {
    return this.submission;
  }

  /**
   * Sends what the form holds: the phase is `submitting` until `write` settles. When it throws, `refused` says why
   * and which fields the CRM named; the phase is then `failure`, `told` hears of it, and the summary shows those
   * fields. Resolves with whether `write` succeeded (it sets the phase it ends in itself).
   */
  async send(
    write: () => Promise<void>,
    refused: (error: unknown) => { readonly failure: F; readonly issues?: ReadonlyMap<string, I> },
    told?: (failure: F) => void,
  ): Promise<boolean> {
    this.set({ phase: FormPhase.SUBMITTING });
    try {
      await write();
      return true;
    } catch (error) {
      const { failure, issues = new Map<string, I>() } = refused(error);
      this.set({ phase: FormPhase.FAILURE, failure, serverIssues: issues });
      told?.(failure);
      if (issues.size > 0) await this.showSummary();
      return false;
    }
  }

  /**
   * The start of every submit: every problem shows, the last failure goes, and the host renders. Resolves with
   * false, after showing the summary, when something is wrong.
   */
  async begin(): Promise<boolean> {
    this.set({
      attempted: true,
      failure: undefined,
      serverIssues: new Map(),
      phase: FormPhase.IDLE,
    });
    await this.host.updateComplete;
    if (this.options.issues().size > 0) {
      await this.showSummary();
      return false;
    }
    this.set({ summaryShown: false });
    return true;
  }

  /** Shows the error summary and moves focus to it. */
  async showSummary(): Promise<void> {
    this.set({ summaryShown: true });
    await this.host.updateComplete;
    this.host.renderRoot.querySelector<HTMLElement>('.summary')?.focus();
  }

  /** Scrolls a field's control into view and focuses it. */
  focusField(field: string): void {
    const control = this.host.renderRoot.querySelector<HTMLElement>(`#${this.controlId(field)}`);
    control?.scrollIntoView?.({ block: 'center' });
    control?.focus();
  }

  /** Forgets which fields were left, the submit tried and the CRM's problems. */
  clear(): void {
    this.set({ touched: new Set(), attempted: false, summaryShown: false, serverIssues: new Map() });
  }
}

/** What the error summary says. */
export interface SummaryOptions {
  readonly title: string;
  readonly headingLevel: number;
  /** One entry a problem: the field it focuses and its text ("Email: Enter an email address"). */
  readonly items: readonly (readonly [field: string, text: string])[];
}

/** The error summary after a refused submit: a heading and a button a problem, each focusing its field. */
export function renderSummary(
  form: FormController<unknown, unknown>,
  options: SummaryOptions,
): TemplateResult | typeof nothing {
  if (!form.summaryShown || options.items.length === 0) return nothing;
  return html`<div part="summary" class="summary" tabindex="-1" role="group" aria-labelledby="summary-title">
    <span class="summary-title" id="summary-title" role="heading" aria-level=${options.headingLevel}
      >${options.title}</span
    >
    <ul>
      ${options.items.map(
        ([field, text]) =>
          html`<li>
            <button type="button" class="summary-link" @click=${() => form.focusField(field)}>${text}</button>
          </li>`,
      )}
    </ul>
  </div>`;
}
