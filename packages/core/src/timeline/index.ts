/**
 * Activities and the timeline: merging and paging a record's activities and completed tasks (pure), and the activity
 * service that keeps related records' `lastActivityAt` and reads the timeline through the port.
 *
 * @module
 */
export {
  compareTimeline,
  decodeTimelineCursor,
  encodeTimelineCursor,
  mergeTimeline,
  timelineKey,
  type TimelineItem,
  type TimelinePosition,
} from './timeline.js';
export {
  createActivityService,
  timelineSubjects,
  type ActivityService,
  type TimelineOptions,
  type TimelinePage,
  type TimelineSubject,
} from './activity.service.js';
