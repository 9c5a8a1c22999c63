// Serving the embed bundle to a real Chromium: the bundle built from source as `npm run build` makes it (one minified
// ES module, no bare imports), a loopback server for a page's files, and the browser the other runners use.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error -- a plain .mjs helper shared with the other runners; it has no type declarations.
import { chromiumArgs, chromiumPath } from '../../../../scripts/chromium.mjs';

/**
 * The elements' embed bundle (`src/bundle.ts`) built in memory as `npm run build` lays it out: the module the page
 * imports, `crmkit-elements.bundle.js`, and beside it what it loads on demand (the Chinese messages). Returned as
 * page files under `folder` (`/` or `/vendor/`).
 */
export async function buildEmbedBundle(folder = '/'): Promise<PageFiles> {
  const bundled = await build({
    entryPoints: { 'crmkit-elements.bundle': fileURLToPath(new URL('../../src/bundle.ts', import.meta.url)) },
    bundle: true,
    splitting: true,
    outdir: '/out',
    chunkNames: 'crmkit-elements.[name]-[hash]',
    format: 'esm',
    write: false,
    minify: true,
    conditions: ['@crmkit/source', 'production'],
    tsconfig: fileURLToPath(new URL('../../../../tsconfig.json', import.meta.url)),
    logLevel: 'silent',
  });
  return Object.fromEntries(
    bundled.outputFiles.map((file) => [
      `${folder}${file.path.slice('/out/'.length)}`,
      ['text/javascript', file.contents],
    ]),
  );
}

/** A page's files by path: content type and body. */
export type PageFiles = Record<string, readonly [contentType: string, body: string | Uint8Array]>;

/** Serves `files` on a loopback port with `headers` on every response; 404 for anything else. */
export async function servePage(
  files: PageFiles,
  headers: Record<string, string> = {},
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const file = files[request.url ?? '/'];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[0], ...headers }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headless Chromium with the flags every runner here uses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath() as string, args: chromiumArgs as string[] });
}
