import { str } from '@lit/localize';

/** Strings shared by every element (`crm.common.*`). */
export const common = {
  'crm.common.loading': '加载中…',
  'crm.common.load-failed': '无法加载数据。',
  'crm.common.retry': '重试',
  'crm.common.empty': '暂无内容。',
  'crm.common.record-count': str`${0} 条记录`,
};
