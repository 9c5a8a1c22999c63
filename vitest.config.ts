// Stories as tests: every story renders in headless Chromium, its `play` function runs, and axe checks it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
// @ts-expect-error -- a plain .mjs helper shared with the other runners; it has no type declarations.
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        plugins: [storybookTest({ configDir: fileURLToPath(new URL('./.storybook', import.meta.url)) })],
        test: {
          name: 'storybook',
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath() as string, args: chromiumArgs as string[] },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
