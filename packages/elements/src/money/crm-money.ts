import { defineElement } from '../internal/define.js';
import { CrmMoney } from './money.component.js';

export { CrmMoney };

defineElement('crm-money', CrmMoney);

declare global {
  interface HTMLElementTagNameMap {
    'crm-money': CrmMoney;
  }
}
