/**
 * @deprecated Moved to `reports/sales.service.ts`. Kept only for `src/testing/`, which another change is rewriting at
 * the moment; delete this file once it imports `../reports/index.js`.
 */
export type { StoredCostEntry } from '../reports/sales.service.js';
