import type { Preview } from '@storybook/web-components-vite';

const preview: Preview = {
  parameters: {
    controls: { expanded: true },
    // Axe runs on every story in the browser tests too: a violation fails the run.
    a11y: { test: 'error' },
  },
  globalTypes: {
    locale: {
      description: 'Locale of the components',
      toolbar: {
        icon: 'globe',
        items: [
          { value: 'en', title: 'English' },
          { value: 'zh-CN', title: '简体中文' },
        ],
      },
    },
  },
  initialGlobals: { locale: 'en' },
  decorators: [
    (story, context) => {
      // Components inherit their locale from the nearest lang attribute, as they would in a host page.
      document.documentElement.lang = String(context.globals['locale'] ?? 'en');
      return story();
    },
  ],
};

export default preview;
