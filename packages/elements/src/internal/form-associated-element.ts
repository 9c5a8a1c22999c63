import { LitElement } from 'lit';
import type { FormController } from './form-controller.js';

/**
 * A form-associated custom element's standard API (`form`, `validity`, `checkValidity()`, …), answered by its
 * {@link FormController}, so an element that takes part in a host `<form>` need not restate it: the base class
 * Web Awesome gives its form controls. The element creates its controller with an `association` and names it
 * `formControl`.
 */
export abstract class FormAssociatedElement extends LitElement {
  /** The element takes part in a host `<form>`: value, validity, reset and disabled state. */
  static readonly formAssociated = true;

  /** The element's form behaviour; created with an `association`, so it holds the element's internals. */
  protected abstract readonly formControl: FormController<unknown, unknown>;

  private get internals(): ElementInternals {
    return this.formControl.internals!;
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
    return this.formControl.checkValidity();
  }

  /** True when the form is valid; otherwise shows every problem and the browser's hint at the first field. */
  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /** @internal */
  formDisabledCallback(disabled: boolean): void {
    this.formControl.disabledByForm(disabled);
  }

  /** @internal */
  formResetCallback(): void {
    this.formControl.reset();
  }

  /** @internal */
  formStateRestoreCallback(saved: string | File | FormData | null): void {
    this.formControl.restore(saved);
  }
}
