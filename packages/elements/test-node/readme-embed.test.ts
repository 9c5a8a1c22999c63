// The README's "Embedding without a build step" snippet, pasted verbatim into a plain page beside the embed bundle,
// must show a working board: the built-in pipeline's stages, and what to do next on a storage with no deals yet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { buildEmbedBundle, launchChromium, servePage } from './support/embed-page.js';

/** The first html code block under the README's "Embedding without a build step" heading. */
function readmeSnippet(): string {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Embedding without a build step'));
  const snippet = section?.match(/```html\n([\s\S]*?)```/)?.[1];
  assert.ok(snippet, 'the README has an html snippet under "Embedding without a build step"');
  return snippet;
}

let server: Awaited<ReturnType<typeof servePage>>;
let browser: Browser;

before(async () => {
  const page = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A host page with the README's snippet</title></head>
  <body>
${readmeSnippet()}
  </body>
</html>`;
  server = await servePage({
    '/': ['text/html', page],
    ...(await buildEmbedBundle('/vendor/')),
    // The browser asks for one; a 404 for it would read as a console error.
    '/favicon.ico': ['image/x-icon', ''],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the README's embed snippet shows the built-in pipeline, empty, saying what to do next", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(server.origin);
  // Waits for the board to show its columns (or a failure), however long this machine takes to get there.
  await page.waitForFunction(
    () => {
      const root = document.querySelector('crm-pipeline-board')?.shadowRoot;
      return Boolean(root?.querySelector('.column, [role="alert"]'));
    },
    null,
    { timeout: 0 },
  );
  // A string, so the test's own transpiler adds nothing to what the page runs.
  const shown = await page.evaluate(`(() => {
    const root = document.querySelector('crm-pipeline-board').shadowRoot;
    const text = (selector) =>
      [...root.querySelectorAll(selector)].map((element) => element.textContent.replace(/\\s+/g, ' ').trim());
    return {
      alerts: text('[role="alert"] p'),
      stages: text('.column [role="heading"]'),
      empty: text('[part="empty"]'),
      summary: text('.summary'),
    };
  })()`);
  assert.deepEqual(shown, {
    alerts: [],
    stages: ['商机', '报价/提案', '成交', '输单'],
    empty: ['该销售管道还没有商机。转化线索或新建商机后，商机会显示在这里。'],
    summary: ['0 个商机'],
  });
  assert.deepEqual(errors, []);
  await page.close();
});
