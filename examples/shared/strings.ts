// The example pages' own words in both languages (the React and the Vue page say the same but their framework's
// name); crmkit's elements bring theirs, switched by the provider's `locale`.
export type Locale = 'en' | 'zh-CN';

export type Status =
  | { readonly kind: 'loading' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'converted'; readonly title: string }
  | { readonly kind: 'failed' };

/** The page's words for a page built with `framework`. */
export const pageStrings = (framework: string) =>
  ({
    en: {
      title: `crmkit in ${framework}`,
      language: 'Language',
      reset: 'Reset demo data',
      pipeline: 'Sales pipeline',
      customer: 'Customer',
      selectDeal: 'Select a deal card to see its customer here.',
      selectedDeal: 'Selected deal:',
      newLead: 'New lead',
      leadDeal: (name: string) => `New business: ${name}`,
      status: (status: Status): string => {
        switch (status.kind) {
          case 'loading':
            return 'Opening the browser database…';
          case 'ready':
            return 'Stored in this browser’s IndexedDB. A lead sent with the form becomes a deal on the board.';
          case 'converted':
            return `The lead was converted: “${status.title}” is on the board.`;
          case 'failed':
            return 'Something went wrong; see the browser console.';
        }
      },
    },
    'zh-CN': {
      title: `在 ${framework} 中使用 crmkit`,
      language: '语言',
      reset: '重置演示数据',
      pipeline: '销售管道',
      customer: '客户',
      selectDeal: '选择一张商机卡片，在此查看其客户。',
      selectedDeal: '已选商机：',
      newLead: '新线索',
      leadDeal: (name: string) => `新商机：${name}`,
      status: (status: Status): string => {
        switch (status.kind) {
          case 'loading':
            return '正在打开浏览器数据库…';
          case 'ready':
            return '数据保存在本浏览器的 IndexedDB 中。通过表单提交的线索会转化为看板上的商机。';
          case 'converted':
            return `线索已转化：“${status.title}”已出现在看板上。`;
          case 'failed':
            return '出错了，请查看浏览器控制台。';
        }
      },
    },
  }) as const;

/** The reader's language if it is Chinese, else English. */
export const initialLocale = (): Locale => (navigator.language.startsWith('zh') ? 'zh-CN' : 'en');
