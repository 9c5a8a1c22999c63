import { str } from '@lit/localize';

/** The lead conversion form (`crm.leadConvert.*`). */
export const leadConvert = {
  'crm.leadConvert.label': str`将 ${0} 转化为商机`,
  'crm.leadConvert.field.title': '商机名称',
  'crm.leadConvert.field.amount': '金额',
  'crm.leadConvert.field.currency': '币种',
  'crm.leadConvert.field.close-date': '预计成交日期',
  'crm.leadConvert.field.stage': '阶段',
  'crm.leadConvert.field.owner': '负责人',
  'crm.leadConvert.field.source': '来源',
  'crm.leadConvert.required-note': '带 * 的为必填项。',
  'crm.leadConvert.next-gate-note': str`推进到“${0}”阶段需要标出的字段，因此现在一并填写。`,

  'crm.leadConvert.amount-hint': str`保存为 ${0}。`,
  'crm.leadConvert.close-date-hint': str`预计于 ${0} 成交。`,
  'crm.leadConvert.owner.lead': str`商机将交给线索负责人 ${0}。`,
  'crm.leadConvert.owner.you': str`商机将由您（${0}）负责。`,
  'crm.leadConvert.owner.other': str`商机将交给 ${0}。`,

  'crm.leadConvert.submit': '转化为商机',
  'crm.leadConvert.submitting': '正在转化…',
  'crm.leadConvert.success': str`已转化：商机“${0}”位于“${1}”阶段，负责人为 ${2}。`,

  'crm.leadConvert.no-lead': '没有要转化的线索。',
  'crm.leadConvert.not-found': '该线索已不存在。',
  'crm.leadConvert.converted': '该线索已转化。',
  'crm.leadConvert.disqualified': '该线索已被判定为不合格：请先将其重新认定为合格，再进行转化。',

  'crm.leadConvert.error.required': '此项为必填项。',
  'crm.leadConvert.error.amount': '请输入不小于 0 的金额，小数位数不能超过该币种允许的位数。',
  'crm.leadConvert.error.too-long': str`最多 ${0} 个字符。`,
  'crm.leadConvert.error.invalid': '此值无效。',
  'crm.leadConvert.error.gate-enter': str`“${0}”阶段需要填写此项。`,
  'crm.leadConvert.error.gate-next': str`推进到“${0}”阶段需要填写此项。`,
  'crm.leadConvert.error.gate-condition': str`此值不满足“${0}”阶段的要求。`,

  'crm.leadConvert.summary-one': '商机信息有 1 处问题',
  'crm.leadConvert.summary-many': str`商机信息有 ${0} 处问题`,
  'crm.leadConvert.summary-item': str`${0}：${1}`,

  'crm.leadConvert.failed.conflict': '其他人刚刚修改了该线索。已显示最新信息：请核对后再次转化。',
  'crm.leadConvert.failed.validation': str`部分信息未被接受：${0}。`,
  'crm.leadConvert.failed.gate': str`“${0}”阶段需要更多信息：${1}。`,
  'crm.leadConvert.failed.permission': '您无权转化线索。',
  'crm.leadConvert.failed.generic': '线索未能转化，请重试。',
};
