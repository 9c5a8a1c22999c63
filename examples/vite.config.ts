// The demo portal: `npm start` (scripts/start.mjs, Vite's dev server through its Node API, stopping cleanly) serves it
// from source (http://localhost:5173, the next free port if taken) with its team server mounted on the same origin
// (/api, /demo/users: a plugin the start script adds, so this file stays the page's build alone). `vite build --config
// examples/vite.config.ts` writes it to dist/portal; the portal's end-to-end test builds it the same way into a
// temporary folder and serves it beside the team server.
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./portal', import.meta.url)),
  // Workspace packages load from their TypeScript sources, so the demo never needs a build first.
  resolve: { conditions: ['@crmkit/source', ...defaultClientConditions] },
  server: { port: 5173, strictPort: false, open: false },
  build: {
    outDir: fileURLToPath(new URL('../dist/portal', import.meta.url)),
    emptyOutDir: true,
    // One file for the whole demo (crmkit, Lit, Dexie, the demo data generator), and apart what it loads on demand
    // (the phone rules, the Chinese messages): fine for a demo page.
    chunkSizeWarningLimit: 1024,
  },
});
