import { defineElement } from '../internal/define.js';
import { CrmLeadConvert } from './lead-convert.component.js';

export { CrmLeadConvert };

defineElement('crm-lead-convert', CrmLeadConvert);

declare global {
  interface HTMLElementTagNameMap {
    'crm-lead-convert': CrmLeadConvert;
  }
}
