import { defineElement } from '../internal/define.js';
import { CrmLeadForm } from './lead-form.component.js';

export { CrmLeadForm };

defineElement('crm-lead-form', CrmLeadForm);

declare global {
  interface HTMLElementTagNameMap {
    'crm-lead-form': CrmLeadForm;
  }
}
