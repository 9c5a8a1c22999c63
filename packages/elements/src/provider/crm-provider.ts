import { defineElement } from '../internal/define.js';
import { CrmProvider } from './provider.component.js';

export { CrmProvider };

defineElement('crm-provider', CrmProvider);

declare global {
  interface HTMLElementTagNameMap {
    'crm-provider': CrmProvider;
  }
}
