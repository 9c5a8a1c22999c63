/**
 * Word lists for demo data in English and Simplified Chinese. Names are common ones, combined at random, so no row
 * describes a real person or company. Email domains use the reserved `.example` TLD and `example.com|net|org`
 * (RFC 2606), so an automation rule run against demo data can never mail a real inbox.
 */

/** The language a demo record is written in. */
export type DemoLanguage = 'en' | 'zh';

/** A word with the romanisation used for email addresses and domains. */
export interface Romanised {
  readonly text: string;
  readonly latin: string;
}

const romanised = (pairs: string): readonly Romanised[] =>
  pairs.split(' ').map((pair) => {
    const [text = '', latin = ''] = pair.split(':');
    return { text, latin };
  });

/** Common Chinese family names (百家姓 top 20) with pinyin. */
export const ZH_FAMILY_NAMES = /* @__PURE__ */ romanised(
  '王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu 胡:hu ' +
    '郭:guo 何:he 高:gao 林:lin 罗:luo',
);

/** Common Chinese given names with pinyin. */
export const ZH_GIVEN_NAMES = /* @__PURE__ */ romanised(
  '伟:wei 娜:na 芳:fang 敏:min 静:jing 磊:lei 洋:yang 勇:yong 艳:yan 杰:jie 娟:juan 涛:tao 明:ming 超:chao ' +
    '秀英:xiuying 建华:jianhua 志强:zhiqiang 晓明:xiaoming 丽华:lihua 海燕:haiyan 文博:wenbo 子涵:zihan ' +
    '浩然:haoran 雨轩:yuxuan 思远:siyuan 佳怡:jiayi 欣怡:xinyi 俊杰:junjie 婷婷:tingting 宇航:yuhang',
);

/** Common English given names. */
export const EN_GIVEN_NAMES: readonly string[] = /* @__PURE__ */ (
  'James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph ' +
  'Jessica Thomas Sarah Daniel Emily Matthew Olivia Anthony Sophia Mark Grace Steven Chloe Andrew Hannah'
).split(' ');

/** Common English family names. */
export const EN_FAMILY_NAMES: readonly string[] = /* @__PURE__ */ (
  'Smith Johnson Williams Brown Jones Garcia Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson ' +
  'Thompson White Harris Clark Lewis Walker Young Allen King Wright Scott Green Baker Adams Nelson'
).split(' ');

/** Trade names (字号) of Chinese companies. */
export const ZH_TRADE_NAMES = /* @__PURE__ */ romanised(
  '云帆:yunfan 星河:xinghe 汇通:huitong 华腾:huateng 鼎盛:dingsheng 启明:qiming 瑞丰:ruifeng 新源:xinyuan ' +
    '博远:boyuan 恒信:hengxin 金桥:jinqiao 天成:tiancheng 海纳:haina 蓝海:lanhai 青禾:qinghe 明德:mingde ' +
    '嘉禾:jiahe 远航:yuanhang 诚达:chengda 永泰:yongtai 和光:heguang 众邦:zhongbang 弘毅:hongyi 锦程:jincheng',
);

/** Industries of Chinese companies. */
export const ZH_INDUSTRIES = /* @__PURE__ */ romanised(
  '科技:keji 信息技术:it 电子:dianzi 贸易:maoyi 物流:wuliu 医疗器械:yiliao 食品:shipin 智能制造:zhizao ' +
    '教育科技:jiaoyu 网络:wangluo 新能源:energy 生物科技:bio',
);

/** First parts of English company names. */
export const EN_TRADE_NAMES: readonly string[] = /* @__PURE__ */ (
  'Blue Harbor,Summit Ridge,Brightwave,Northfield,Silver Pine,Redwood Valley,Ironbridge,Clearwater,Maple Grove,' +
  'Lakeside,Oakstone,Stonebrook,Westwind,Evergreen,Crescent Bay,Pinnacle,Riverbend,Copperleaf,Harborview,Skyline,' +
  'Granite Peak,Willowmere,Foxglove,Bluebird'
).split(',');

/** Industries of English company names. */
export const EN_INDUSTRIES: readonly string[] = /* @__PURE__ */ (
  'Analytics,Logistics,Foods,Medical Supply,Robotics,Software,Manufacturing,Consulting,Energy,Retail,Biotech,' +
  'Outfitters'
).split(',');

/** A city with what phone numbers and addresses there look like. */
export interface DemoCity {
  readonly country: string;
  readonly city: string;
  readonly region?: string;
  /** Area code, for landlines and US/CA numbers. */
  readonly area: string;
}

/** Chinese cities (CN) with their provinces and area codes. */
export const CN_CITIES: readonly DemoCity[] = /* @__PURE__ */ [
  ['杭州', '浙江省', '571'],
  ['上海', '上海市', '21'],
  ['北京', '北京市', '10'],
  ['深圳', '广东省', '755'],
  ['广州', '广东省', '20'],
  ['成都', '四川省', '28'],
  ['南京', '江苏省', '25'],
  ['苏州', '江苏省', '512'],
  ['武汉', '湖北省', '27'],
  ['西安', '陕西省', '29'],
  ['重庆', '重庆市', '23'],
  ['厦门', '福建省', '592'],
].map(([city = '', region = '', area = '']) => ({ country: 'CN', city, region, area }));

/** Chinese-speaking cities outside mainland China. */
export const ZH_OTHER_CITIES: readonly DemoCity[] = [
  { country: 'SG', city: '新加坡', area: '6' },
  { country: 'HK', city: '香港', area: '' },
];

/** US and Canadian cities with states and area codes. */
export const US_CITIES: readonly DemoCity[] = /* @__PURE__ */ [
  ['San Francisco', 'CA', '415'],
  ['Austin', 'TX', '512'],
  ['New York', 'NY', '212'],
  ['Seattle', 'WA', '206'],
  ['Chicago', 'IL', '312'],
  ['Boston', 'MA', '617'],
  ['Denver', 'CO', '303'],
].map(([city = '', region = '', area = '']) => ({ country: 'US', city, region, area }));

/** English-speaking (or English-writing) cities elsewhere. */
export const EN_OTHER_CITIES: readonly DemoCity[] = [
  { country: 'GB', city: 'London', area: '20' },
  { country: 'DE', city: 'Berlin', area: '30' },
  { country: 'SG', city: 'Singapore', area: '6' },
  { country: 'AU', city: 'Sydney', region: 'NSW', area: '2' },
  { country: 'JP', city: 'Tokyo', area: '3' },
  { country: 'CA', city: 'Toronto', region: 'ON', area: '416' },
];

/** Legal-form suffixes of English company names by country. */
export const EN_LEGAL_FORMS: Readonly<Record<string, readonly string[]>> = {
  US: ['Inc.', 'LLC', 'Corp.'],
  CA: ['Inc.', 'Ltd.'],
  GB: ['Ltd', 'PLC'],
  DE: ['GmbH', 'AG'],
  AU: ['Pty Ltd'],
  SG: ['Pte. Ltd.'],
  JP: ['K.K.', 'Co., Ltd.'],
};

/** Street names for address line 1. */
export const ZH_STREETS: readonly string[] = [
  '人民路',
  '中山路',
  '建设路',
  '解放路',
  '科技园路',
  '文三路',
  '南京路',
  '长江路',
];
export const EN_STREETS: readonly string[] = [
  'Market Street',
  'Oak Avenue',
  'Main Street',
  'Harbor Road',
  'Pine Street',
];

/** Mobile prefixes of the three Chinese carriers. */
export const CN_MOBILE_PREFIXES: readonly string[] =
  /* @__PURE__ */ '133 135 136 138 139 150 151 152 158 159 176 177 180 186 187 188 189'.split(' ');

/** Free-mail domains for people: reserved example domains. */
export const PERSONAL_EMAIL_DOMAINS: readonly string[] = ['example.com', 'example.net', 'example.org'];

/** Job titles of contacts. */
export const CONTACT_TITLES: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['总经理', '采购经理', '技术总监', '市场总监', '财务经理', '运营主管', 'IT 经理', '销售副总裁'],
  en: ['CEO', 'Head of Procurement', 'CTO', 'Marketing Director', 'Finance Manager', 'Operations Manager', 'IT Lead'],
};

/** Sales team names, alternating languages. */
export const TEAM_NAMES: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['华东销售部', '华南销售部', '华北大客户部', '西南销售部', '电话销售组'],
  en: ['North America Sales', 'EMEA Sales', 'APAC Partners', 'Enterprise Accounts', 'Inside Sales'],
};

/** Deal title patterns; `{}` is the customer's short name. */
export const DEAL_TITLES: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: [
    '{}年度订阅',
    '{}私有化部署',
    '{}二期项目',
    '{}渠道合作',
    '{}设备采购',
    '{}培训服务',
    '{}续约',
    '{}数据迁移',
    '{}系统集成',
    '{}运维服务',
    '{}试点项目',
    '{}门店扩展',
  ],
  en: [
    '{} — Annual subscription',
    '{} — Platform rollout',
    'Phase 2 expansion — {}',
    '{} — Hardware order',
    '{} — Training package',
    '{} — Renewal',
    '{} — Data migration',
    '{} — Integration project',
    '{} — Support contract',
    '{} — Pilot',
    '{} — Seat expansion',
    '{} — New site rollout',
  ],
};

/**
 * When a deal was opened, which tells apart deals that would otherwise share a title: the year, or the quarter (`#`)
 * of the year (`{}`).
 */
export const DEAL_PERIODS: Readonly<Record<DemoLanguage, readonly [year: string, quarter: string]>> = {
  zh: ['（{}年）', '（{}年第#季度）'],
  en: [' ({})', ' (Q# {})'],
};

/** Why a deal was lost. */
export const LOST_REASONS: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['价格过高', '选择了竞争对手', '预算冻结', '需求变更', '决策人离职'],
  en: ['Price too high', 'Chose a competitor', 'Budget frozen', 'Requirements changed', 'No decision made'],
};

/** Why a lead was disqualified. */
export const DISQUALIFY_REASONS: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['没有预算', '非目标客户', '多次联系不上', '重复线索'],
  en: ['No budget', 'Not a fit', 'Unreachable', 'Duplicate lead'],
};

/** Campaign names by lead source; sources without campaigns are absent. */
export const CAMPAIGNS: Readonly<Record<DemoLanguage, Readonly<Record<string, readonly string[]>>>> = {
  zh: {
    ads: ['搜索广告 2026 Q1', '信息流广告 2026 Q2'],
    trade_show: ['2025 数字化转型展', '2026 春季行业峰会'],
    website: ['官网免费试用', '白皮书下载'],
    wechat: ['公众号文章推广', '企业微信社群'],
  },
  en: {
    ads: ['Search ads 2026 Q1', 'LinkedIn ads 2026 Q2'],
    trade_show: ['CRM Expo 2025', 'Spring Summit 2026'],
    website: ['Free trial sign-up', 'White paper download'],
  },
};

/** Activity subjects by type. */
export const ACTIVITY_SUBJECTS: Readonly<Record<DemoLanguage, Readonly<Record<string, readonly string[]>>>> = {
  zh: {
    email: ['报价跟进', '价格咨询', '会议纪要', '合同草稿', '欢迎合作'],
    call: ['需求沟通电话', '跟进电话', '价格沟通', '客户回访'],
    meeting: ['产品演示', '上门拜访', '季度业务回顾', '项目启动会'],
    note: ['决策人是财务总监', '第三季度预算已批', '偏好邮件沟通', '正在对比两家竞品'],
    chat: ['咨询上线流程', '发送了产品手册', '询问发票事宜'],
    web_visit: ['访问了价格页面', '下载了白皮书', '查看了客户案例'],
    sms: ['会议提醒', '发送了报价链接'],
  },
  en: {
    email: ['Proposal follow-up', 'Pricing question', 'Meeting recap', 'Contract draft', 'Welcome aboard'],
    call: ['Discovery call', 'Follow-up call', 'Pricing discussion', 'Check-in call'],
    meeting: ['Product demo', 'On-site visit', 'Quarterly business review', 'Kick-off meeting'],
    note: ['Decision maker is the CFO', 'Budget approved for Q3', 'Prefers email over calls', 'Evaluating two vendors'],
    chat: ['Question about onboarding', 'Shared the brochure', 'Asked about invoicing'],
    web_visit: ['Visited the pricing page', 'Downloaded the white paper', 'Viewed the case studies'],
    sms: ['Meeting reminder', 'Sent the quote link'],
  },
};

/** Activity bodies by language; `{}` is the subject. */
export const ACTIVITY_BODIES: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['{}。客户反馈积极，约定下周再沟通。', '{}。需要补充技术方案和报价明细。', '{}。'],
  en: [
    '{}. Positive response; agreed to talk again next week.',
    '{}. They need the technical details and a quote.',
    '{}.',
  ],
};

/** Task title patterns by type; `{}` is the related record's name. */
export const TASK_TITLES: Readonly<Record<DemoLanguage, Readonly<Record<string, string>>>> = {
  zh: {
    call: '给{}回电话',
    email: '给{}发送报价',
    meeting: '与{}约产品演示',
    follow_up: '跟进{}',
    todo: '整理{}的需求',
  },
  en: {
    call: 'Call back {}',
    email: 'Send the proposal to {}',
    meeting: 'Schedule a demo with {}',
    follow_up: 'Follow up with {}',
    todo: 'Write up requirements for {}',
  },
};

/** Titles of personal to-dos (no related record). */
export const PERSONAL_TODOS: Readonly<Record<DemoLanguage, readonly string[]>> = {
  zh: ['提交周报', '更新销售预测', '准备季度复盘'],
  en: ['Submit the weekly report', 'Update the forecast', 'Prepare the quarterly review'],
};

/** Fills the `{}` of a pattern. */
export function fill(pattern: string, value: string): string {
  // A replacer function, so a `$&` in a name is not read as a replacement pattern.
  return pattern.replace('{}', () => value);
}
