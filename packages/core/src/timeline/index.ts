export {
  compareTimeline,
  decodeTimelineCursor,
  encodeTimelineCursor,
  mergeTimeline,
  timelineKey,
  type TimelineItem,
  type TimelinePosition,
} from './timeline.js';
