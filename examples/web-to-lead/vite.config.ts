// The web-to-lead example page: `npx vite --config examples/web-to-lead/vite.config.ts` serves it from source
// (http://localhost:5173, the origin examples/web-to-lead/crm-server.ts allows by default); `npx vite build --config
// examples/web-to-lead/vite.config.ts` writes it to dist/web-to-lead, plain files for any static host. The page
// imports nothing: Vite only compiles contact.ts and bundles the stylesheet, into files (no inline script or style).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Its own dependency cache, so serving this page never invalidates the portal's (examples/vite.config.ts).
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite-web-to-lead', import.meta.url)),
  server: { port: 5173, strictPort: false, open: false },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web-to-lead', import.meta.url)),
    emptyOutDir: true,
  },
});
