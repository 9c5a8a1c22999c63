import { LitElement, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { FormController } from './form-controller.js';

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
  /**
   * Whether Enter in a text field submits the host's form: true when the host renders no submit button, so its inner
   * form cannot submit implicitly.
   */
  readonly enterSubmits: () => boolean;
}

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/**
 * A crmkit form inside a host `<form>`, as a reactive controller (for a host with `static formAssociated = true`):
 * its value and validity in the host form after every update, the host form's reset, disabling `<fieldset>` and
 * restored state, and every problem shown when the host form finds it invalid.
 */
export class FormAssociationController implements ReactiveController {
  readonly internals: ElementInternals;
  /** A host `<fieldset disabled>` (or form) disables the host. */
  formDisabled = false;

  private readonly host: Host;
  private readonly form: FormController<unknown, unknown>;
  private readonly association: FormAssociation;
  private quietCheck = false;

  constructor(host: Host, form: FormController<unknown, unknown>, association: FormAssociation) {
    this.host = host;
    this.form = form;
    this.association = association;
    this.internals = host.attachInternals();
    host.addEventListener('invalid', () => {
      // The host form (or reportValidity) found the element invalid: show every problem.
      if (!this.quietCheck) form.set({ attempted: true, summaryShown: true });
    });
    host.addController(this);
  }

  hostUpdated(): void {
    const { value, state } = this.association.value();
    const internals = this.internals;
    internals.setFormValue(value, state);
    const invalid = this.association.validity();
    if (!invalid) {
      internals.setValidity({});
      return;
    }
    const anchor = this.host.renderRoot.querySelector<HTMLElement>(`#${this.form.controlId(invalid.anchor)}`);
    internals.setValidity(invalid.flags, invalid.message, anchor ?? undefined);
  }

  /** True when the host is valid; fires `invalid` otherwise, without showing the problems. */
  checkValidity(): boolean {
    this.quietCheck = true;
    try {
      return this.internals.checkValidity();
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
    if (state !== null && typeof state === 'object') this.association.restore(state as Record<string, unknown>);
  }

  /** The host form was reset. */
  reset(): void {
    this.association.reset();
  }

  /** A host `<form>` or `<fieldset>` disabled the host, or enabled it again. */
  disabledByForm(disabled: boolean): void {
    this.formDisabled = disabled;
    this.host.requestUpdate();
  }

  /**
   * Enter in a text field submits, as in any form: without a submit button the inner form cannot submit implicitly,
   * so Enter submits the host's form (or the host, when there is no host form).
   */
  readonly onKeyDown = (event: KeyboardEvent): void => {
    if (!this.association.enterSubmits() || event.key !== 'Enter' || event.isComposing) return;
    const target = event.target as HTMLElement;
    if (!(target instanceof HTMLInputElement) || target.type === 'checkbox') return;
    event.preventDefault();
    if (this.internals.form) this.internals.form.requestSubmit();
    else this.form.onSubmit();
  };
}

/**
 * A form-associated custom element's standard API (`form`, `validity`, `checkValidity()`, …), answered by its
 * {@link FormAssociationController}, so an element that takes part in a host `<form>` need not restate it: the base
 * class Web Awesome gives its form controls. The element creates the controller as `formAssociation`.
 */
export abstract class FormAssociatedElement extends LitElement {
  /** The element takes part in a host `<form>`: value, validity, reset and disabled state. */
  static readonly formAssociated = true;

  /** The element's part in its host form; it holds the element's internals. */
  protected abstract readonly formAssociation: FormAssociationController;

  private get internals(): ElementInternals {
    return this.formAssociation.internals;
  }

  /** The host `<form>` the element belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.internals.form;
  }

  get validity(): ValidityState {
    return this.internals.validity;
  }

  /** The first problem, as "Field: problem" in the current language; `''` when valid. */
  get validationMessage(): string {
    return this.internals.validationMessage;
  }

  get willValidate(): boolean {
    return this.internals.willValidate;
  }

  /** The `<label>`s of the host page that name this element. */
  get labels(): NodeList {
    return this.internals.labels;
  }

  /** True when the form is valid; fires `invalid` otherwise, without showing the problems. */
  checkValidity(): boolean {
    return this.formAssociation.checkValidity();
  }

  /** True when the form is valid; otherwise shows every problem and the browser's hint at the first field. */
  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /** @internal */
  formDisabledCallback(disabled: boolean): void {
    this.formAssociation.disabledByForm(disabled);
  }

  /** @internal */
  formResetCallback(): void {
    this.formAssociation.reset();
  }

  /** @internal */
  formStateRestoreCallback(saved: string | File | FormData | null): void {
    this.formAssociation.restore(saved);
  }
}
