import { defineElement } from '../internal/define.js';
import { CrmCustomer360 } from './customer-360.component.js';

export { CrmCustomer360 };

defineElement('crm-customer-360', CrmCustomer360);

declare global {
  interface HTMLElementTagNameMap {
    'crm-customer-360': CrmCustomer360;
  }
}
