/**
 * @deprecated Moved to `time/calendar.ts`. Kept only for `src/testing/`, which another change is rewriting at the
 * moment; delete this file once it imports `../time/calendar.js`.
 */
export { toLocal, fromLocal, offsetAt, type LocalDateTime } from '../time/calendar.js';
