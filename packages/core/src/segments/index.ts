/**
 * Segmentation (客户细分): rules in the shared filter language over a customer's attributes and its aggregate,
 * compiled to closures (pure: `compile.ts`, `fast.ts`), and the saved-segment service over the port.
 *
 * @module
 */
export {
  compileSegment,
  evaluateSegmentReference,
  explainSegment,
  splitSegment,
  segmentOverlaps,
  countRecent,
  emptyStats,
  assertKnownWindows,
  RECENT_ACTIVITY_CAP,
  type CustomerStats,
  type SegmentPredicate,
  type CompileSegmentOptions,
  type ClauseExplanation,
  type SegmentMembers,
  type SegmentOverlap,
} from './compile.js';
export {
  createSegmentService,
  SEGMENTS_COLLECTION,
  type SegmentService,
  type SegmentRef,
  type SegmentMemberPage,
} from './segment.service.js';
