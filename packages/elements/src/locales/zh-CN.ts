// The zh-CN message catalogue in @lit/localize's runtime format: message id → translation. Ids come from the
// explicit `{ id }` of each `msg()` (see ../internal/messages.ts); `${0}`, `${1}`… stand for the source's
// expressions in order. Every id of the source must be here; test/localize.test.ts checks it.
import { str } from '@lit/localize';

export const templates = {
  'crm.common.loading': '加载中…',
  'crm.common.load-failed': '无法加载数据。',
  'crm.common.retry': '重试',
  'crm.common.empty': '暂无内容。',
  'crm.common.record-count': str`${0} 条记录`,
};
