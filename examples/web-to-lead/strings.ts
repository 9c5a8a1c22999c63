// The marketing page's words, in English and Simplified Chinese. The HTML holds the English ones (what a visitor
// without the script sees); the script swaps in the chosen language for every element marked `data-i18n`, and writes
// the messages it shows itself (field problems, the thank-you, a rate limit) from here too. The CRM's own problem
// messages are English and technical: the page never shows them, only which field they name.

export type Locale = 'en' | 'zh-CN';

/** The form's fields the page can point a problem at (the server's names for them). */
export type FieldName = 'name' | 'company' | 'email' | 'phone' | 'message' | 'consent';

const en = {
  docTitle: 'Talk to a lighting expert · Lumen Lighting Co.',
  skip: 'Skip to the contact form',
  company: 'Lumen Lighting Co.',
  tagline: 'Lighting for hotels, offices and public spaces since 1998',
  language: 'Language',
  heroTitle: 'Light that works as hard as you do',
  heroText:
    'From a single lobby to a whole campus, we design, supply and retrofit energy-saving LED lighting — and stay to keep it running.',
  contactTitle: 'Talk to a lighting expert',
  contactIntro:
    'Tell us about your project and a specialist will get back to you within one working day. Fields marked * are required.',
  nameLabel: 'Your name *',
  companyLabel: 'Company',
  emailLabel: 'E-mail',
  phoneLabel: 'Phone',
  messageLabel: 'How can we help?',
  consentLegend: 'How we may contact you',
  consentNotice:
    'Lumen Lighting Co. uses the details you send here to answer your inquiry, and keeps them in its customer records for up to two years. You can ask us to show, correct or delete them at any time by writing to privacy@lumen-lighting.example.',
  noticeVersion: 'Notice version:',
  consentContact: 'I agree that Lumen Lighting Co. may contact me about this inquiry. *',
  consentMarketing: 'Also send me the quarterly lighting newsletter by e-mail (optional).',
  trapLabel: 'Leave this field empty',
  send: 'Send inquiry',
  sending: 'Sending your inquiry…',
  thanksTitle: 'Thank you — we have your inquiry',
  thanksText: 'A lighting specialist will contact you within one working day.',
  receiptLabel: 'Receipt:',
  problemsTitle: (count: number) =>
    count === 1 ? 'Please check one field before sending.' : `Please check ${count} fields before sending.`,
  fieldProblems: {
    name: 'Enter your name.',
    company: 'Check the company name.',
    email: 'Enter an e-mail address such as li.na@example.com.',
    phone: 'Enter a phone number: digits, spaces or dashes, with + for a country code.',
    message: 'Shorten your message a little.',
    consent: 'Tick this box so that we may answer you.',
  } satisfies Record<FieldName, string>,
  rateLimited: (wait: string) =>
    `We have received several inquiries from your network just now. Please try again ${wait}.`,
  inSeconds: (seconds: number) => `in ${seconds} seconds`,
  inMinutes: (minutes: number) => (minutes === 1 ? 'in a minute' : `in ${minutes} minutes`),
  tooLarge: 'Your message is too long to send. Please shorten it.',
  offline: 'We could not reach our server. Check your connection and try again.',
  failed: 'Something went wrong on our side. Please try again later, or call us on +86 21 5555 0100.',
};

export type Strings = typeof en;

/** The keys the page's `data-i18n` attributes may name: the plain strings. */
export type TextKey = { [K in keyof Strings]: Strings[K] extends string ? K : never }[keyof Strings];

const zhCN: Strings = {
  docTitle: '咨询照明专家 · 流明照明有限公司',
  skip: '跳到联系表单',
  company: '流明照明有限公司',
  tagline: '自 1998 年起为酒店、办公楼和公共空间提供照明',
  language: '语言',
  heroTitle: '与您一样努力工作的灯光',
  heroText: '从一个大堂到整个园区，我们设计、供应并改造节能 LED 照明，并持续为您维护。',
  contactTitle: '咨询照明专家',
  contactIntro: '请告诉我们您的项目，专家将在一个工作日内回复您。标有 * 的为必填项。',
  nameLabel: '您的姓名 *',
  companyLabel: '公司',
  emailLabel: '电子邮箱',
  phoneLabel: '电话',
  messageLabel: '我们能为您做什么？',
  consentLegend: '我们如何联系您',
  consentNotice:
    '流明照明有限公司使用您在此提交的信息答复您的咨询，并在客户档案中保存最多两年。您可随时发送邮件至 privacy@lumen-lighting.example，要求查看、更正或删除这些信息。',
  noticeVersion: '声明版本：',
  consentContact: '我同意流明照明有限公司就本次咨询与我联系。*',
  consentMarketing: '同时通过电子邮件向我发送季度照明通讯（可选）。',
  trapLabel: '请勿填写此栏',
  send: '提交咨询',
  sending: '正在提交您的咨询…',
  thanksTitle: '谢谢，我们已收到您的咨询',
  thanksText: '照明专家将在一个工作日内与您联系。',
  receiptLabel: '回执：',
  problemsTitle: (count: number) => `提交前请检查 ${count} 个栏目。`,
  fieldProblems: {
    name: '请输入您的姓名。',
    company: '请检查公司名称。',
    email: '请输入有效的电子邮箱，例如 li.na@example.com。',
    phone: '请输入电话号码：数字、空格或短横线，国家代码前加 +。',
    message: '请把留言稍微缩短一些。',
    consent: '请勾选此项，以便我们答复您。',
  },
  rateLimited: (wait: string) => `刚才已收到来自您网络的多次咨询。请${wait}再试。`,
  inSeconds: (seconds: number) => `在 ${seconds} 秒后`,
  inMinutes: (minutes: number) => `在 ${minutes} 分钟后`,
  tooLarge: '您的留言太长，无法提交。请缩短后再试。',
  offline: '无法连接到我们的服务器。请检查网络后重试。',
  failed: '我们这边出了点问题。请稍后再试，或致电 +86 21 5555 0100。',
};

export const STRINGS: Readonly<Record<Locale, Strings>> = { en, 'zh-CN': zhCN };

/** The page's language: `?lang=` when it names one, else the browser's first preference. */
export function initialLocale(search: string, languages: readonly string[]): Locale {
  const asked = new URLSearchParams(search).get('lang');
  if (asked === 'en' || asked === 'zh-CN') return asked;
  return languages[0]?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
