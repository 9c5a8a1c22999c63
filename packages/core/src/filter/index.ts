/**
 * The filter language of crmkit: one small JSON AST shared by storage queries, segments and automation conditions,
 * its zod/mini schema and the reference evaluator.
 *
 * @module
 */
export { FILTER_OPERATORS, checkFilterLimits, filterSchema, parseFilter, filterFields } from './schema.js';
export type { Filter, Scalar, FilterOperator, FilterTimeUnit } from './schema.js';
export { compileFilter } from './compile.js';
export { FILTER_UNIT_MS } from './units.js';
export type { CompileFilterOptions, FilterPredicate } from './compile.js';
export { getPath } from './path.js';
export { toRange } from './values.js';
export type { OrderingLeaf, Range } from './values.js';
