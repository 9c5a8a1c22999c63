/**
 * The framework-agnostic domain core of crmkit. It imports no DOM, no Lit and no adapter, so it runs unchanged in a
 * browser, a worker, Node or a serverless function.
 *
 * Each folder's index is its public API; this entry re-exports them: the foundations first, then one domain after
 * another, then `createCrm`, which wires the domains' services together.
 *
 * @packageDocumentation
 * @module @crmkit/core
 */
export * from './errors/index.js';
export * from './money/index.js';
export * from './model/index.js';
export * from './filter/index.js';
export * from './time/index.js';
export * from './storage/index.js';

export * from './customers/index.js';
export * from './leads/index.js';
export * from './funnel/index.js';
export * from './segments/index.js';
export * from './value/index.js';
export * from './lifecycle/index.js';
export * from './tasks/index.js';
export * from './timeline/index.js';
export * from './reports/index.js';
export * from './privacy/index.js';

export * from './crm/index.js';
