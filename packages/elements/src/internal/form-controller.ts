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

/** What a form-associated host reports to its `<form>`. */
export interface FormAssociation {
  /** The value in the form's data (`null` for none) and the state the browser restores it from. */
  readonly value: () => { readonly value: string | null; readonly state: string };
  /** Why the host is invalid, or `undefined` when it is valid; `anchor` is the field the browser points at. */
  readonly validity: () =>
    { readonly flags: ValidityStateFlags; readonly message: string; readonly anchor: string } | undefined;
  /** Takes back a state `value` saved (the browser restoring a page, autofill), parsed from its JSON. */
  readonly restore: (state: Readonly<Record<string, unknown>>) => void;
  /** The host form was reset. */
  readonly reset: () => void;
}

export interface FormControllerOptions<I> {
  /** The problems as they stand now, shown or not, in the order the fields are shown. */
  readonly issues: () => ReadonlyMap<string, I>;
  /** The id of a field's control in the host's shadow root. */
  readonly controlId: (field: string) => string;
  /** The host's own submit, which the inner `<form>`'s submit event runs. */
  readonly submit: () => Promise<void>;
  /**
   * Whether Enter in a text field submits through the host: true when the host renders no submit button, so the inner
   * form cannot submit implicitly.
   */
  readonly enterSubmits?: () => boolean;
  /** For a host with `static formAssociated = true`: what it reports to a host `<form>`. */
  readonly association?: FormAssociation;
}

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/**
 * The behaviour a crmkit form shares, as a reactive controller (Shoelace's `FormControlController` is the model):
 * which problems show (a field once left filled in, every field after a submit, and those the CRM named), the
 * submit guard (one submission at a time, a second click joins it), the error summary that takes focus after a
 * refused submit, and — for a form-associated host — its value, validity and disabled state in a host `<form>`.
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
  /** A host `<fieldset disabled>` (or form) disables the host. */
  formDisabled = false;
  /** The host's internals, when it is form-associated. */
  readonly internals?: ElementInternals;

  private readonly host: Host;
  private readonly options: FormControllerOptions<I>;
  private submission: Promise<void> = Promise.resolve();
  private submitting = false;
  private quietCheck = false;
  /** Fields left while a pointer was pressed in the form: their messages wait until the press is over. */
  private heldBlurs?: Set<string>;

  constructor(host: Host, options: FormControllerOptions<I>) {
    this.host = host;
    this.options = options;
    if (options.association) {
      this.internals = host.attachInternals();
      host.addEventListener('invalid', () => {
        if (this.quietCheck) return;
        // The host form (or reportValidity) found the element invalid: show every problem.
        this.set({ attempted: true, summaryShown: true });
      });
    }
    host.addController(this);
  }

  /** Sets some of the state and renders the host again. */
  set(
    state: Partial<Pick<this, 'phase' | 'failure' | 'touched' | 'attempted' | 'summaryShown' | 'serverIssues'>>,
  ): void {
    Object.assign(this, state);
    this.host.requestUpdate();
  }

  hostUpdated(): void {
    const association = this.options.association;
    const internals = this.internals;
    if (!association || !internals) return;
    const { value, state } = association.value();
    internals.setFormValue(value, state);
    const invalid = association.validity();
    if (!invalid) {
      internals.setValidity({});
      return;
    }
    const anchor =
      this.host.renderRoot.querySelector<HTMLElement>(`#${this.options.controlId(invalid.anchor)}`) ?? undefined;
    internals.setValidity(invalid.flags, invalid.message, anchor);
  }

  /** True when the host is valid; fires `invalid` otherwise, without showing the problems. */
  checkValidity(): boolean {
    this.quietCheck = true;
    try {
      return this.internals?.checkValidity() ?? true;
    } finally {
      this.quietCheck = false;
    }
  }

  /** The browser restores a state the host saved; one this version did not write is ignored. */
  restore(saved: string | File | FormData | null): void {
    if (typeof saved !== 'string') return;
    let state: unknown;
    try {
      state = JSON.parse(saved);
    } catch {
      return;
    }
    if (state !== null && typeof state === 'object')
      this.options.association?.restore(state as Record<string, unknown>);
  }

  /** The host form was reset. */
  reset(): void {
    this.options.association?.reset();
  }

  /** A host `<form>` or `<fieldset>` disabled the host, or enabled it again. */
  disabledByForm(disabled: boolean): void {
    this.formDisabled = disabled;
    this.host.requestUpdate();
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

  /** A field was left: its problem shows from now on if it holds something (after the press, during one). */
  left(field: string, value: string | undefined): void {
    if ((value ?? '').trim() === '' || this.touched.has(field)) return;
    if (this.heldBlurs) this.heldBlurs.add(field);
    else this.set({ touched: new Set([...this.touched, field]) });
  }

  /** Marks a field touched whatever it holds (a checkbox, once changed). */
  touch(field: string): void {
    this.set({ touched: new Set([...this.touched, field]) });
  }

  /**
   * Pressing Save blurs the field being edited before the click lands. Showing that field's message at once would
   * push Save down from under the pointer, and the click would miss it; so a field left during a press shows its
   * message once the press is over and its click has been dispatched (a submit shows every message anyway).
   */
  readonly onPointerDown = (): void => {
    if (this.heldBlurs) return;
    this.heldBlurs = new Set();
    const document = this.host.ownerDocument;
    const release = (): void => {
      document.removeEventListener('pointerup', release, true);
      document.removeEventListener('pointercancel', release, true);
      setTimeout(() => {
        const held = [...(this.heldBlurs ?? [])].filter((field) => !this.touched.has(field));
        this.heldBlurs = undefined;
        if (held.length > 0) this.set({ touched: new Set([...this.touched, ...held]) });
      });
    };
    document.addEventListener('pointerup', release, true);
    document.addEventListener('pointercancel', release, true);
  };

  /** The inner `<form>`'s submit: the host submits instead of the page navigating. */
  readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    void this.options.submit();
  };

  /**
   * Enter in a text field submits, as in any form: without a submit button the inner form cannot submit implicitly,
   * so Enter submits the host's form (or the host, when there is no host form).
   */
  readonly onKeyDown = (event: KeyboardEvent): void => {
    if (!this.options.enterSubmits?.() || event.key !== 'Enter' || event.isComposing) return;
    const target = event.target as HTMLElement;
    if (!(target instanceof HTMLInputElement) || target.type === 'checkbox') return;
    event.preventDefault();
    if (this.internals?.form) this.internals.form.requestSubmit();
    else void this.options.submit();
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
    const control = this.host.renderRoot.querySelector<HTMLElement>(`#${this.options.controlId(field)}`);
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
