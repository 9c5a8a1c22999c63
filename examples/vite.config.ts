// The demo portal: `npm start` serves it from source, on IndexedDB, with seeded data.
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./portal', import.meta.url)),
  // Workspace packages load from their TypeScript sources, so the demo never needs a build first.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { port: 5173, strictPort: false, open: false },
  build: { outDir: fileURLToPath(new URL('../dist/portal', import.meta.url)), emptyOutDir: true },
});
