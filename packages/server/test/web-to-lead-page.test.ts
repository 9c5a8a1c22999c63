// The web-to-lead example page (examples/web-to-lead) end to end, in Debian's Chromium: the page built with Vite into
// a temporary folder and served from one loopback origin under a strict Content Security Policy, the CRM handler
// (memory storage, the example's own form settings) on another through toNodeListener, as a marketing site and its
// CRM are. A visitor fills the form and sends it; the lead is in the CRM as the form's owner's, with the consent and
// the notice's version; the page shows the receipt. A bot filling the honeypot is thanked alike and captures nothing;
// problems show on their fields (in Chinese too); a rate limit shows its wait. No axe violations, no CSP violations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createMemoryStorage, type StoragePort } from '@crmkit/core';
import { createCrmHandler, toNodeListener, type CrmHandler, type RateLimit } from '@crmkit/server';
import {
  adminTokenAuthenticator,
  API_PATH,
  CONSENT_TEXT_VERSION,
  FORM_OWNER,
  lumenWebToLead,
} from '../../../examples/web-to-lead/crm-server.js';
// @ts-expect-error -- a plain .mjs helper shared with the other runners; it has no type declarations.
import { chromiumArgs, chromiumPath } from '../../../scripts/chromium.mjs';

const PAGE_CONFIG = fileURLToPath(new URL('../../../examples/web-to-lead/vite.config.ts', import.meta.url));
/** The CRM origin index.html's form names; the page server points it at the test's CRM instead. */
const EXAMPLE_CRM = 'http://127.0.0.1:8080';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
/** A step takes well under a second; the timeout only bounds a broken run. */
const STEP_TIMEOUT = 20_000;
/** The rate limits' clock, fixed: a refusal's `Retry-After` is then exact. */
const NOW = Date.parse('2026-03-02T01:00:00Z');
const TOKEN = 'test-admin-token-0123456789';
/** axe-core, put in every page by an init script (see openPage). */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type Row = Record<string, unknown> & { id: string };

let outDir: string;
let pageServer: Server;
let crmServer: Server;
let browser: Browser;
let pageOrigin: string;
let crmOrigin: string;
/** The CRM the CRM server answers with now: each test starts its own (fresh records, fresh rate limits). */
let crm: { handler: CrmHandler; storage: StoragePort } | undefined;

before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'crmkit-web-to-lead-'));
  // Built as the example's README builds it, into a temporary folder.
  await build({ configFile: PAGE_CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  crmServer = createServer(
    toNodeListener((request) => {
      if (!crm) return Promise.resolve(new Response(null, { status: 503 }));
      return crm.handler(request);
    }),
  );
  await new Promise<void>((done) => crmServer.listen(0, '127.0.0.1', done));
  crmOrigin = `http://127.0.0.1:${(crmServer.address() as AddressInfo).port}`;

  pageServer = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = resolve(outDir, `.${path === '/' ? '/index.html' : decodeURIComponent(path)}`);
    if (!file.startsWith(outDir + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) =>
        response
          .writeHead(200, {
            'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
            'content-security-policy': csp(),
          })
          .end(extname(file) === '.html' ? body.toString('utf8').replaceAll(EXAMPLE_CRM, crmOrigin) : body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => pageServer.listen(0, '127.0.0.1', done));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumPath() as string, args: chromiumArgs as string[] });
});

after(async () => {
  await browser?.close();
  await crm?.handler.close();
  await new Promise((done) => (crmServer ? crmServer.close(done) : done(undefined)));
  await new Promise((done) => (pageServer ? pageServer.close(done) : done(undefined)));
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** The marketing site's policy: its own files only, the CRM as the one place it may send to. */
const csp = () =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${crmOrigin}`,
    `form-action ${crmOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "require-trusted-types-for 'script'",
  ].join('; ');

/** A fresh CRM behind the CRM server, with the example's form allowing the page's origin. */
async function freshCrm(rateLimit?: RateLimit): Promise<{ handler: CrmHandler; storage: StoragePort }> {
  await crm?.handler.close();
  const storage = createMemoryStorage();
  const handler = createCrmHandler({
    storage,
    authenticate: adminTokenAuthenticator(TOKEN),
    basePath: API_PATH,
    crm: { timeZone: 'Asia/Shanghai', currency: 'CNY' },
    webToLead: lumenWebToLead([pageOrigin], rateLimit),
    now: () => NOW,
  });
  crm = { handler, storage };
  return crm;
}

/** The page in a new browser context (English), recording CSP violations, loaded and ready. */
async function openPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'en-US' });
  // tsx keeps function names (`__name(fn, "name")`) also inside functions handed to page.evaluate: a no-op helper.
  // axe comes in the same way: an init script is not the page's, so the page's CSP neither blocks nor counts it.
  await context.addInitScript({
    content: `${axeSource}
      globalThis.__name = (fn) => fn;
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.violations.push(event.violatedDirective + ' ' + (event.blockedURI || event.sample));
      });`,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  await page.goto(`${pageOrigin}/`);
  await page.waitForFunction(() => (document.getElementById('contact-form') as HTMLFormElement).noValidate);
  return { context, page };
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { violations: string[] }).violations);
}

/** Fills the form as a visitor does, with the keyboard-reachable controls. */
async function fillForm(page: Page, fields: { name: string; email?: string; company?: string; message?: string }) {
  await page.getByLabel(/Your name|您的姓名/).fill(fields.name);
  if (fields.company !== undefined) await page.getByLabel(/^Company|^公司/).fill(fields.company);
  if (fields.email !== undefined) await page.getByLabel(/^E-mail|^电子邮箱/).fill(fields.email);
  if (fields.message !== undefined) await page.getByLabel(/How can we help|我们能为您做什么/).fill(fields.message);
}

const leads = async (storage: StoragePort) => (await storage.query('leads')).records as Row[];

/** axe's WCAG 2.1 A and AA rules over the whole page. */
async function axeViolations(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string }[] }> };
      }
    ).axe;
    const results = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return results.violations.map((violation) => violation.id);
  });
}

test('a visitor’s inquiry becomes a lead of the form’s owner, with the consents and the notice’s version; the page shows the receipt', async () => {
  const { storage } = await freshCrm();
  const { context, page } = await openPage();
  try {
    assert.deepEqual(await axeViolations(page), [], 'the page as it loads');
    const version = await page.textContent('#consent-version');
    assert.equal(version, CONSENT_TEXT_VERSION, 'the page shows the version the server records');

    await fillForm(page, {
      name: 'Mei Lin',
      company: 'Aurora Harbour Hotels',
      email: 'mei.lin@aurora-harbour.example',
      message: 'We are relighting the lobby of our Pudong hotel.',
    });
    await page.getByLabel('Phone').fill('+86 138 0013 8000');
    await page.getByLabel(/may contact me about this inquiry/).check();
    await page.getByLabel(/quarterly lighting newsletter/).check();
    await page.getByRole('button', { name: 'Send inquiry' }).click();

    await page.locator('#thanks').waitFor({ state: 'visible' });
    const receipt = (await page.textContent('#receipt')) ?? '';
    assert.match(receipt, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(await page.isHidden('#contact-form'), true);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'thanks',
      'focus moves to the thank-you for screen readers and keyboards',
    );

    const [lead, ...others] = await leads(storage);
    assert.equal(others.length, 0);
    assert.deepEqual(
      {
        name: lead!['name'],
        company: lead!['company'],
        email: lead!['email'],
        ownerId: lead!['ownerId'],
        source: lead!['source'],
        campaign: lead!['campaign'],
        language: lead!['language'],
      },
      {
        name: 'Mei Lin',
        company: 'Aurora Harbour Hotels',
        email: 'mei.lin@aurora-harbour.example',
        ownerId: FORM_OWNER,
        source: 'web',
        campaign: 'Website contact form',
        language: 'en',
      },
    );
    assert.notEqual(lead!.id, receipt, 'the receipt is not the lead’s id');
    const consents = (await storage.query('consents')).records as Row[];
    assert.deepEqual(
      consents
        .map((consent) => [consent['subjectId'], consent['purpose'], consent['status'], consent['textVersion']])
        .sort(),
      [
        [lead!.id, 'contact', 'granted', CONSENT_TEXT_VERSION],
        [lead!.id, 'marketing_email', 'granted', CONSENT_TEXT_VERSION],
      ],
    );
    const notes = (await storage.query('activities')).records as Row[];
    assert.deepEqual(
      notes.map((note) => note['body']),
      ['We are relighting the lobby of our Pudong hotel.'],
    );
    // The owner reads it as theirs through the API; the admin token of the example's host lists it too.
    const listed = await fetch(`${crmOrigin}${API_PATH}/leads`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(listed.status, 200);
    assert.equal(((await listed.json()) as { records: Row[] }).records[0]?.['ownerId'], FORM_OWNER);

    assert.deepEqual(await axeViolations(page), [], 'the thank-you');
    assert.deepEqual(await violations(page), [], 'no CSP violation');
  } finally {
    await context.close();
  }
});

test('a bot that fills the honeypot is thanked like anyone, and nothing is captured', async () => {
  const { storage } = await freshCrm();
  const { context, page } = await openPage();
  try {
    const trap = page.locator('#website');
    assert.equal(await trap.getAttribute('tabindex'), '-1', 'out of the tab order');
    assert.equal(await page.locator('.trap').getAttribute('aria-hidden'), 'true', 'hidden from assistive technology');
    const box = await page.locator('.trap').boundingBox();
    assert.ok(box !== null && box.width <= 1 && box.height <= 1, 'clipped to a pixel: not visible on the page');
    // Tabbing from the message goes to the consent boxes and the button, never into the trap.
    await page.getByLabel('How can we help?').focus();
    const reached: string[] = [];
    for (let step = 0; step < 5; step++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    assert.ok(!reached.includes('website'), `the honeypot is never focused: ${reached.join(', ')}`);

    await fillForm(page, { name: 'Cheap Lamps Bot', email: 'bot@spam.example' });
    await page.getByLabel(/may contact me about this inquiry/).check();
    // As a bot does: every input filled through the DOM, hidden or not.
    await page.evaluate(() => {
      (document.getElementById('website') as HTMLInputElement).value = 'http://spam.example';
    });
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send inquiry' }).click();
    const response = await posted;
    assert.equal(response.status(), 202);
    assert.deepEqual(JSON.parse(response.request().postData() ?? '{}')['website'], 'http://spam.example');
    await page.locator('#thanks').waitFor({ state: 'visible' });
    assert.match((await page.textContent('#receipt')) ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await leads(storage), [], 'nothing captured');
    assert.deepEqual((await storage.query('consents')).records, []);
    assert.deepEqual(await violations(page), []);
  } finally {
    await context.close();
  }
});

test('problems show on their fields, in Chinese too: consent checked before sending, the e-mail by the CRM', async () => {
  const { storage } = await freshCrm();
  const { context, page } = await openPage();
  const posts: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push(request.url());
  });
  try {
    await page.selectOption('#language', 'zh-CN');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await page.textContent('#send'), '提交咨询');

    // No consent: the page says so on the checkbox, and sends nothing.
    await fillForm(page, { name: '林美', email: 'lin.mei@aurora-harbour.example' });
    await page.getByRole('button', { name: '提交咨询' }).click();
    const consentBox = page.locator('#consent-contact');
    await page.waitForFunction(() => document.getElementById('consent-contact')?.getAttribute('aria-invalid'));
    assert.equal(await consentBox.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.textContent('#consent-error'), '请勾选此项，以便我们答复您。');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'consent-contact');
    assert.deepEqual(posts, [], 'nothing was sent');

    // An address the browser accepts and the CRM does not (no top-level domain): the CRM's 400 names the field.
    await page.getByLabel(/^电子邮箱/).fill('lin.mei@aurora');
    await page.getByLabel(/我同意流明照明有限公司/).check();
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: '提交咨询' }).click();
    assert.equal((await posted).status(), 400);
    await page.waitForFunction(() => document.getElementById('email')?.getAttribute('aria-invalid') === 'true');
    assert.equal(await page.textContent('#email-error'), '请输入有效的电子邮箱，例如 li.na@example.com。');
    assert.equal(await page.getAttribute('#consent-contact', 'aria-invalid'), null, 'the consent is fine now');
    assert.equal(await page.textContent('#form-alert'), '提交前请检查 1 个栏目。');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'email');
    assert.deepEqual(await axeViolations(page), [], 'the form with its problems, in Chinese');

    // Switching the language rewrites the problems shown.
    await page.selectOption('#language', 'en');
    assert.equal(await page.textContent('#email-error'), 'Enter an e-mail address such as li.na@example.com.');

    // Corrected, it goes through, and the lead's language is the page's.
    await page.selectOption('#language', 'zh-CN');
    await page.getByLabel(/^电子邮箱/).fill('lin.mei@aurora-harbour.example');
    await page.getByRole('button', { name: '提交咨询' }).click();
    await page.locator('#thanks').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#thanks h3'), '谢谢，我们已收到您的咨询');
    const captured = await leads(storage);
    assert.deepEqual(
      captured.map((lead) => [lead['name'], lead['language'], lead['ownerId']]),
      [['林美', 'zh-CN', FORM_OWNER]],
    );
    assert.deepEqual(await violations(page), []);
  } finally {
    await context.close();
  }
});

test('over the rate limit the page says how long to wait, from Retry-After, and keeps what was typed', async () => {
  // One post per form and address per 10 minutes: the second is refused for 600 s.
  const { storage } = await freshCrm({ max: 1, windowMs: 600_000 });
  const { context, page } = await openPage();
  try {
    await fillForm(page, { name: 'Zhao Min', email: 'zhao.min@example.cn' });
    await page.getByLabel(/may contact me about this inquiry/).check();
    await page.getByRole('button', { name: 'Send inquiry' }).click();
    await page.locator('#thanks').waitFor({ state: 'visible' });

    await page.reload();
    await page.waitForFunction(() => (document.getElementById('contact-form') as HTMLFormElement).noValidate);
    await fillForm(page, { name: 'Zhao Min', email: 'zhao.min@example.cn', message: 'One more question.' });
    await page.getByLabel(/may contact me about this inquiry/).check();
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send inquiry' }).click();
    const response = await posted;
    assert.equal(response.status(), 429);
    assert.equal(await response.headerValue('retry-after'), '600');
    await page.locator('#form-alert').waitFor({ state: 'visible' });
    assert.equal(
      await page.textContent('#form-alert'),
      'We have received several inquiries from your network just now. Please try again in 10 minutes.',
    );
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'form-alert');
    assert.equal(await page.inputValue('#message'), 'One more question.', 'nothing typed is lost');
    assert.equal(await page.isEnabled('#send'), true, 'the visitor may try again later');
    assert.equal((await leads(storage)).length, 1);
    assert.deepEqual(await violations(page), []);
  } finally {
    await context.close();
  }
});
