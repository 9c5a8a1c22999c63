// The Vue example: `npx vite --config examples/vue/vite.config.ts` serves it; `npm run build:examples` builds it
// (after `npm run build`) into examples/vue/dist.
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // crm-* tags are custom elements, not Vue components: Vue renders them as they are.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('crm-') } } })],
  // The dev server loads the workspace packages from their TypeScript sources (no build needed while editing); the
  // build uses their built dist/, as a published package would be used, so it checks what npm users get. Run
  // `npm run build` first.
  resolve: {
    conditions: command === 'serve' ? ['@crmkit/source', ...defaultClientConditions] : [...defaultClientConditions],
  },
  server: { port: 5175, strictPort: false, open: false },
  // One chunk of about 195 kB gzip (Vue, Lit, the core with zod, Dexie, the demo data): no split. What loads on demand
  // comes apart: the phone rules (libphonenumber-js, about 50 kB) and the Chinese messages.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
}));
