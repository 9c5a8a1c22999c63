import { ContextRoot } from '@lit/context';
import { defineElement } from '../internal/define.js';
import { CrmProvider } from './provider.component.js';

export { CrmProvider };

// Elements upgraded before their provider ask for the context too early; a context root on the document answers
// them once the provider connects. One per page, even with two copies of crmkit.
const rootKey = Symbol.for('crmkit.context-root');
const global = globalThis as { [rootKey]?: ContextRoot };
if (!global[rootKey] && typeof document !== 'undefined') {
  global[rootKey] = new ContextRoot();
  global[rootKey].attach(document.documentElement);
}

defineElement('crm-provider', CrmProvider);

declare global {
  interface HTMLElementTagNameMap {
    'crm-provider': CrmProvider;
  }
}
