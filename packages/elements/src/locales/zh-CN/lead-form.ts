import { str } from '@lit/localize';

/** The lead form (`crm.leadForm.*`). */
export const leadForm = {
  'crm.leadForm.field.name': '姓名',
  'crm.leadForm.field.company': '公司',
  'crm.leadForm.field.email': '邮箱',
  'crm.leadForm.field.phone': '电话',
  'crm.leadForm.field.industry': '行业',
  'crm.leadForm.field.message': '留言',
  'crm.leadForm.required-note': '带 * 的为必填项。',
  'crm.leadForm.phone-hint': '请包含国家/地区代码，以 + 开头。',
  'crm.leadForm.phone-checking': '正在核对电话号码…',

  'crm.leadForm.consent.marketing-email': '我同意接收营销邮件。',
  'crm.leadForm.consent.sms': '我同意接收短信。',
  'crm.leadForm.consent.phone': '我同意接听电话联系。',
  'crm.leadForm.consent.profiling': '我同意使用我的数据为我定制优惠。',
  'crm.leadForm.consent.data-processing': '我同意处理我的数据。',
  'crm.leadForm.consent.other': str`我同意为以下目的处理我的数据：${0}。`,

  'crm.leadForm.submit': '提交',
  'crm.leadForm.submitting': '正在提交…',
  'crm.leadForm.success': '谢谢！您的信息已提交。',

  'crm.leadForm.error.required': '此项为必填项。',
  'crm.leadForm.error.email': '请输入有效的邮箱地址，例如 name@example.com。',
  'crm.leadForm.error.phone': '请输入有效的电话号码。',
  'crm.leadForm.error.phone-international': '请输入以 + 和国家/地区代码开头的有效电话号码。',
  'crm.leadForm.error.too-long': str`最多 ${0} 个字符。`,
  'crm.leadForm.error.invalid': '此值无效。',
  'crm.leadForm.error.consent': '请勾选以表示同意。',
  'crm.leadForm.consent-label': '同意',

  'crm.leadForm.summary-one': '您填写的信息有 1 处问题',
  'crm.leadForm.summary-many': str`您填写的信息有 ${0} 处问题`,
  'crm.leadForm.summary-item': str`${0}：${1}`,

  'crm.leadForm.kind.lead': '线索',
  'crm.leadForm.kind.customer': '客户',
  'crm.leadForm.kind.contact': '联系人',
  'crm.leadForm.duplicate.email': str`已存在使用此邮箱地址的${0}。`,
  'crm.leadForm.duplicate.phone': str`已存在使用此电话号码的${0}。`,
  'crm.leadForm.duplicate.name-company': str`已存在姓名和公司相似的${0}。`,
  'crm.leadForm.duplicate.named': str`已有记录：${0}。`,
  'crm.leadForm.duplicate.more': str`共有 ${0} 条可能重复的记录。`,
  'crm.leadForm.duplicate.blocked': '再次提交这些信息将被拒绝。',

  'crm.leadForm.failed.duplicate': '这些信息与已有记录重复，未予添加。',
  'crm.leadForm.failed.validation': '部分信息未被接受，请检查标出的字段。',
  'crm.leadForm.failed.permission': '您无权添加线索。',
  'crm.leadForm.failed.generic': '您的信息未能提交，请重试。',
};
