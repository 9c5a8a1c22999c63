import type { StorybookConfig } from '@storybook/web-components-vite';
import { defaultClientConditions } from 'vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.ts'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y', '@storybook/addon-vitest'],
  // No request leaves the machine: the host pages embedding crmkit never agreed to that, and neither did we.
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  async viteFinal(viteConfig) {
    // Load workspace packages from their TypeScript sources, never a stale dist/.
    viteConfig.resolve ??= {};
    viteConfig.resolve.conditions = ['@crmkit/source', ...defaultClientConditions];
    // Storybook's web-components renderer imports `lit/directive-helpers.js` outside the pre-bundled deps; bundling it
    // with them keeps one copy of lit-html on the page instead of two. The virtualizer's modules are listed so a cold
    // cache does not discover them mid-run and reload the page.
    viteConfig.optimizeDeps ??= {};
    viteConfig.optimizeDeps.include = [
      ...(viteConfig.optimizeDeps.include ?? []),
      'lit/directive-helpers.js',
      '@lit-labs/virtualizer/virtualize.js',
      '@lit-labs/virtualizer/layouts/flow.js',
    ];
    return viteConfig;
  },
};

export default config;
