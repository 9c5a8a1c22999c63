/**
 * crmkit's web components. Importing this entry defines no tags: import `@crmkit/elements/define` for all of them,
 * or `@crmkit/elements/crm-<name>` for one.
 *
 * @packageDocumentation
 * @module @crmkit/elements
 */
export { CrmMoney } from './money/money.component.js';
export { defineElement } from './internal/define.js';
