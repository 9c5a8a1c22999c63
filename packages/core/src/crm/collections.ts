/**
 * @deprecated Moved to `kernel/collections.ts`. Kept only for `src/testing/`, which another change is rewriting at
 * the moment; delete this file once it imports `../kernel/index.js`.
 */
export type { CrmCollection } from '../kernel/collections.js';
