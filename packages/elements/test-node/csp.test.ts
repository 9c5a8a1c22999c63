// The embed bundle inside a host page with a strict Content Security Policy — no inline scripts, no eval, Trusted
// Types required — must run without a single violation: crmkit writes no markup from strings and generates no code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildEmbedBundle, launchChromium, servePage } from './support/embed-page.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Host page with a strict CSP</title></head>
  <body>
    <crm-provider locale="zh-CN" currency="CNY">
      <crm-money amount-minor="12345"></crm-money>
      <crm-pipeline-board pipeline-id="default"></crm-pipeline-board>
    </crm-provider>
    <script type="module" src="/page.js"></script>
  </body>
</html>`;

/** Strings that would run script or inject markup if any element wrote them as HTML or code. */
const XSS_CORPUS = [
  '<img src=x onerror="window.pwned=1">',
  '"><script>window.pwned=1</script>',
  "'><svg onload=window.pwned=1>",
  'javascript:window.pwned=1',
  '{{constructor.constructor("window.pwned=1")()}}',
  '${window.pwned=1}',
  '<a href="javascript:window.pwned=1">x</a>',
  '\u202Egnp.exe',
  '<style>*{display:none}</style>',
  '&lt;b&gt;&amp;',
];

// Runs in the page: records violations first, then loads the bundle and exercises the core and the elements.
const PAGE_SCRIPT = `
const corpus = ${JSON.stringify(XSS_CORPUS)};
window.violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.violations.push(event.violatedDirective + ' ' + (event.blockedURI || event.sample));
});
try {
  const kit = await import('/crmkit-elements.bundle.js');
  const crm = await kit.createCrm({ storage: kit.createMemoryStorage(), actor: { id: 'u1', role: 'admin' } });
  document.querySelector('crm-provider').crm = crm;
  const hostile = '<img src=x onerror="window.pwned=1">';
  const person = await crm.customers.create({
    kind: 'person',
    name: hostile,
    emails: ['ada@example.com'],
    phones: ['+86 138 0013 8000'],
  });
  await crm.leads.capture({ name: 'Li Wei', email: 'li.wei@example.com', phone: '+86 138 0013 8000' }, { source: 'web' });
  const matches = kit.compileFilter({ field: 'name', op: 'startsWith', value: '<img' });
  const { records } = await crm.customers.list();
  for (const [index, text] of corpus.entries()) {
    const customer = await crm.customers.create({ kind: 'organisation', name: text });
    await crm.deals.create({
      title: text,
      customerId: customer.id,
      pipelineId: 'default',
      stageId: index % 2 ? 'proposal' : 'opportunity',
      amount: { amountMinor: 100000 + index, currency: 'CNY' },
      expectedCloseDate: '2027-01-31',
    });
  }
  const board = document.querySelector('crm-pipeline-board');
  let cards = [];
  for (let tries = 0; tries < 200 && cards.length < corpus.length; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    cards = [...board.shadowRoot.querySelectorAll('.card')];
  }
  // Open the keyboard "Move to…" dialog too: it renders the hostile title in its heading.
  cards[0]?.querySelector('[data-action="move"]')?.click();
  await board.updateComplete;
  const dialogTitle = board.shadowRoot.querySelector('dialog.move-dialog h2')?.textContent ?? '';
  // The customer-360 card of the hostile customer, and a lead typed into the lead form with a hostile name.
  const card = document.createElement('crm-customer-360');
  card.setAttribute('customer-id', person.id);
  const form = document.createElement('crm-lead-form');
  form.setAttribute('fields', 'name,email');
  document.querySelector('crm-provider').append(card, form);
  let cardName = '';
  for (let tries = 0; tries < 200 && !cardName; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    cardName = card.shadowRoot?.querySelector('[part~="name"]')?.textContent ?? '';
  }
  // The phone rules load on demand, from the chunk beside the bundle: the number shows formatted once they have.
  let cardPhone = '';
  for (let tries = 0; tries < 200 && cardPhone !== '+86 138 0013 8000'; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    cardPhone = card.shadowRoot?.querySelector('a[href="tel:+8613800138000"]')?.textContent?.trim() ?? '';
  }
  await form.updateComplete;
  const captured = new Promise((resolve) => form.addEventListener('crm-lead-captured', (event) => resolve(event.detail.leadId)));
  for (const [field, value] of [['name', corpus[1]], ['email', 'visitor@example.com']]) {
    const input = form.shadowRoot.querySelector('input[name="' + field + '"]');
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    input.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  }
  form.shadowRoot.querySelector('[type="submit"]').click();
  const leadId = await Promise.race([captured, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10000))]);
  const lead = leadId === 'timeout' ? undefined : await crm.leads.get(leadId);
  const money = document.querySelector('crm-money');
  await document.querySelector('crm-provider').updateComplete;
  await money.updateComplete;
  await money.updateComplete;
  window.result = {
    customers: records.length,
    filtered: records.filter(matches).length,
    money: money.shadowRoot.textContent.trim(),
    titles: cards.map((card) => card.querySelector('.title').textContent).sort(),
    customerNames: cards.map((card) => card.querySelector('.customer').textContent).sort(),
    injected: board.shadowRoot.querySelectorAll('img, script, svg, style, a').length,
    dialogNamesDeal: corpus.some((text) => dialogTitle.includes(text)),
    cardName: cardName.trim(),
    cardPhone,
    cardInjected: card.shadowRoot.querySelectorAll('img, script, svg, style').length,
    leadName: lead?.name,
    formInjected: form.shadowRoot.querySelectorAll('img, script, svg, style').length,
    pwned: window.pwned === 1,
  };
} catch (error) {
  window.result = { error: String(error) };
}
`;

let server: Awaited<ReturnType<typeof servePage>>;
let browser: Browser;
let origin: string;

before(async () => {
  server = await servePage(
    {
      '/': ['text/html', PAGE],
      '/page.js': ['text/javascript', PAGE_SCRIPT],
      ...(await buildEmbedBundle()),
    },
    { 'content-security-policy': CSP },
  );
  origin = server.origin;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the embed bundle runs in a strict-CSP page with Trusted Types and causes no violation', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(origin);
  await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => (window as { result?: unknown }).result);
  const violations = await page.evaluate(() => (window as { violations?: string[] }).violations);
  assert.deepEqual(errors, []);
  assert.deepEqual(violations, []);
  const sorted = [...XSS_CORPUS].sort();
  assert.deepEqual(result, {
    customers: 1,
    filtered: 1,
    money: '¥123.45',
    titles: sorted,
    customerNames: sorted,
    injected: 0,
    dialogNamesDeal: true,
    cardName: '<img src=x onerror="window.pwned=1">',
    cardPhone: '+86 138 0013 8000',
    cardInjected: 0,
    leadName: XSS_CORPUS[1],
    formInjected: 0,
    pwned: false,
  });
  await page.close();
});
