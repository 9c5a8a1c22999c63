// The React example: `npx vite --config examples/react/vite.config.ts` serves it; `npm run build:examples` builds it
// (after `npm run build`) into examples/react/dist.
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  // The dev server loads the workspace packages from their TypeScript sources (no build needed while editing); the
  // build uses their built dist/, as a published package would be used, so it checks what npm users get. Run
  // `npm run build` first.
  resolve: {
    conditions: command === 'serve' ? ['@crmkit/source', ...defaultClientConditions] : [...defaultClientConditions],
  },
  server: { port: 5174, strictPort: false, open: false },
  // One chunk of about 240 kB gzip (React, Lit, the core with zod, Dexie, the demo data): no split. What loads on
  // demand comes apart: the phone rules (libphonenumber-js, about 50 kB) and the Chinese messages.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
}));
