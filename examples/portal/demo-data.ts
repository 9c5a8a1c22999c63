// A handful of realistic deals for the first page. The deterministic demo-data generator replaces this once the
// domain model lands.
import { money, type Money } from '@crmkit/core';

type Text = { en: string; 'zh-CN': string };
export interface DemoDeal {
  id: string;
  title: Text;
  customer: Text;
  stage: Text;
  amount: Money;
}

const stage = {
  opportunity: { en: 'Opportunity', 'zh-CN': '商机' },
  proposal: { en: 'Quote / proposal', 'zh-CN': '报价/提案' },
  won: { en: 'Won', 'zh-CN': '成交' },
};

export const demoDeals: DemoDeal[] = [
  {
    id: 'deal-001',
    title: { en: 'ERP integration pilot', 'zh-CN': 'ERP 集成试点' },
    customer: { en: 'Hangzhou Yunfan Technology', 'zh-CN': '杭州云帆科技有限公司' },
    stage: stage.opportunity,
    amount: money(12800000, 'CNY'),
  },
  {
    id: 'deal-002',
    title: { en: '200 sales seats, annual', 'zh-CN': '200 个销售席位（年付）' },
    customer: { en: 'Shenzhen Lanhai Retail', 'zh-CN': '深圳蓝海零售集团' },
    stage: stage.proposal,
    amount: money(45600000, 'CNY'),
  },
  {
    id: 'deal-003',
    title: { en: 'Support renewal', 'zh-CN': '技术支持续约' },
    customer: { en: 'Northwind Traders', 'zh-CN': 'Northwind Traders' },
    stage: stage.won,
    amount: money(1850000, 'USD'),
  },
  {
    id: 'deal-004',
    title: { en: 'Marketing automation add-on', 'zh-CN': '营销自动化扩展包' },
    customer: { en: 'Chengdu Jinsha Foods', 'zh-CN': '成都金沙食品有限公司' },
    stage: stage.opportunity,
    amount: money(6900000, 'CNY'),
  },
  {
    id: 'deal-005',
    title: { en: 'Data migration services', 'zh-CN': '数据迁移服务' },
    customer: { en: 'Contoso Pharmaceuticals', 'zh-CN': 'Contoso Pharmaceuticals' },
    stage: stage.proposal,
    amount: money(7425000, 'USD'),
  },
];
