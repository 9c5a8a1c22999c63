// The demo portal (examples/portal) end to end, in Debian's Chromium: built with Vite into a temporary folder and
// served from it together with its team server (the CRM handler under /api over PGlite in a temporary data folder,
// seeded as `npm start` seeds it, and the demo users at /demo/users), then driven like a user.
// - Team mode: a rep and their manager in two browser contexts (two people), each signed in through the demo sign-in
//   switcher, see what the access policy gives them (the rep only their own deals), and a deal one moves with the
//   keyboard moves on the other's board without a reload; a viewer may look but not move a deal.
// - This browser (IndexedDB), chosen with the mode switch: capture a lead in <crm-lead-form>, convert it, move its
//   deal to Won on <crm-pipeline-board> with the keyboard, and check the board, <crm-customer-360> and the page's
//   funnel report, after a reload too, and in a second tab that follows without reloading.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTeamServer, type TeamServer } from '../../../examples/portal/team-server.js';
// @ts-expect-error -- a plain .mjs helper shared with the other runners; it has no type declarations.
import { chromiumArgs, chromiumPath } from '../../../scripts/chromium.mjs';

const CONFIG = fileURLToPath(new URL('../../../examples/vite.config.ts', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** The lead typed into the form, and the deal it becomes. */
const LEAD = {
  name: 'Mei Lin',
  company: 'Aurora Harbour Hotels',
  email: 'mei.lin@aurora-harbour.example',
  phone: '138 0013 8000',
};
const DEAL_TITLE = 'Aurora Harbour Hotels — lobby relighting';
/** A step the page waits for takes well under a second; the timeout only bounds a broken run. */
const STEP_TIMEOUT = 20_000;

let outDir: string;
let dataDir: string;
let team: TeamServer;
let server: Server;
let browser: Browser;
let origin: string;

before(async () => {
  // A production build served as static files: no dev server, no dependency optimiser reloading the page mid-test.
  outDir = await mkdtemp(join(tmpdir(), 'crmkit-portal-'));
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  // The team server, as `npm start` runs it: its own data folder, seeded on this first start.
  dataDir = await mkdtemp(join(tmpdir(), 'crmkit-portal-team-'));
  team = await startTeamServer({ dataDir });
  server = createServer((request, response) => team.middleware(request, response, () => serveFile(request, response)));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumPath() as string, args: chromiumArgs as string[] });
});

after(async () => {
  await browser?.close();
  // Change streams end with the team server; then nothing holds a connection open.
  await team?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  if (outDir) await rm(outDir, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The built portal's files. */
function serveFile(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const file = resolve(outDir, `.${path === '/' ? '/index.html' : decodeURIComponent(path)}`);
  if (!file.startsWith(outDir + sep)) {
    response.writeHead(403).end();
    return;
  }
  readFile(file).then(
    (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
    () => response.writeHead(404).end(),
  );
}

/** A browser context as one person's browser: English, a wide screen, and the `__name` helper (see below). */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 1000 } });
  // tsx compiles this file keeping function names (`__name(fn, "name")`), also inside the functions handed to
  // page.evaluate, which then run in the page where that helper does not exist: give the page a no-op one.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  return context;
}

/** Chooses the browser-only mode before the page starts, as the mode switch remembers it. */
const BROWSER_MODE = "localStorage.setItem('lumen-intranet.mode', 'browser');";

/** Submits the mode and sign-in switcher, which reloads the page, and waits for the page it loads. */
async function switchSession(page: Page, choose: () => Promise<unknown>): Promise<void> {
  await choose();
  const loaded = page.waitForEvent('load');
  await page.click('#session-apply');
  await loaded;
  await waitReady(page);
}

/** Signs this window in as a demo user with the sign-in switcher. */
async function signIn(page: Page, userId: string): Promise<void> {
  await switchSession(page, () => page.selectOption('#demo-user', userId));
  assert.equal(await page.inputValue('#demo-user'), userId);
}

/** The deals the board holds (drawn or not): id, title, owner and stage. */
async function boardDeals(page: Page) {
  return page.evaluate(() => {
    const board = document.querySelector('crm-pipeline-board') as HTMLElement & {
      shownColumns: readonly {
        stage: { id: string };
        cards: readonly { deal: { id: string; title: string; ownerId?: string; stageId: string } }[];
      }[];
    };
    return board.shownColumns.flatMap((column) =>
      column.cards.map(({ deal }) => ({
        id: deal.id,
        title: deal.title,
        ownerId: deal.ownerId,
        stage: column.stage.id,
      })),
    );
  });
}

/** Waits until the board has loaded some deals. */
async function waitForDeals(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const board = document.querySelector('crm-pipeline-board') as
      (HTMLElement & { shownColumns: readonly { cards: readonly unknown[] }[] }) | null;
    return (board?.shownColumns ?? []).some((column) => column.cards.length > 0);
  });
}

/** Moves a deal with the keyboard: focus its card, Tab to "Move to…", Enter, Tab through the stages, Enter. */
async function moveByKeyboard(page: Page, dealId: string, toStageId: string): Promise<void> {
  await page.evaluate(
    (id) =>
      (
        document.querySelector('crm-pipeline-board') as HTMLElement & { focusCard(id: string): Promise<void> }
      ).focusCard(id),
    dealId,
  );
  await waitForFocus(page, 'card');
  await page.keyboard.press('Tab');
  await waitForFocus(page, 'move-button');
  await page.keyboard.press('Enter');
  await waitForFocus(page, 'stage');
  for (let presses = 0; (await boardFocus(page)).stageId !== toStageId; presses++) {
    assert.ok(presses < 4, `${toStageId} is reachable by Tab in the move dialog`);
    await page.keyboard.press('Tab');
    await waitForFocus(page, 'stage');
  }
  await page.keyboard.press('Enter');
}

/** Opens the portal at a view and waits until it has connected to (and, the first time, seeded) its database. */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`${origin}/${hash}`);
  await waitReady(page);
}

async function waitReady(page: Page): Promise<void> {
  const state = await page.waitForFunction(() => document.documentElement.dataset['portal'], null, {
    timeout: STEP_TIMEOUT,
  });
  assert.equal(await state.jsonValue(), 'ready', 'the portal did not start');
}

/** Watches a page for uncaught errors and console errors (the board's ResizeObserver notices are not errors). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => {
    if (!/ResizeObserver loop/.test(error.message)) errors.push(error.message);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !/ResizeObserver loop/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

/** The funnel figures the Reports view shows, read from the raw numbers its cells carry. */
async function funnelFigures(page: Page) {
  await page.waitForFunction(() => document.getElementById('reports')?.dataset['state'] === 'ready', null, {
    timeout: STEP_TIMEOUT,
  });
  return page.evaluate(() => {
    const value = (selector: string) => Number(document.querySelector(selector)?.getAttribute('data-value'));
    return {
      prospects: value('#funnel-table tr[data-step="prospect"] [data-metric="reached"]'),
      won: value('#funnel-table tr[data-step="won"] [data-metric="reached"]'),
      wonNow: value('#funnel-table tr[data-step="won"] [data-metric="current"]'),
      leadsConverted: value('[data-figure="leads-converted"] dd'),
    };
  });
}

/** Waits until the Reports view shows these funnel figures (it recomputes on every change). */
async function waitForFunnel(page: Page, expected: Awaited<ReturnType<typeof funnelFigures>>): Promise<void> {
  await page
    .waitForFunction(
      (want) => {
        const value = (selector: string) => Number(document.querySelector(selector)?.getAttribute('data-value'));
        return (
          value('#funnel-table tr[data-step="prospect"] [data-metric="reached"]') === want.prospects &&
          value('#funnel-table tr[data-step="won"] [data-metric="reached"]') === want.won &&
          value('#funnel-table tr[data-step="won"] [data-metric="current"]') === want.wonNow &&
          value('[data-figure="leads-converted"] dd') === want.leadsConverted
        );
      },
      expected,
      { timeout: STEP_TIMEOUT },
    )
    .catch(async (error: unknown) => {
      assert.deepEqual(await funnelFigures(page), expected, String(error));
    });
}

/** Where the board shows a deal (the stage of the column holding its card), and each column's count as shown. */
async function boardState(page: Page, title: string) {
  return page.evaluate((wanted) => {
    const root = document.querySelector('crm-pipeline-board')!.shadowRoot!;
    const counts: Record<string, number> = {};
    for (const column of root.querySelectorAll<HTMLElement>('.column')) {
      counts[column.dataset['stageId']!] = Number(column.querySelector('.count')!.textContent!.replace(/\D/g, ''));
    }
    const card = [...root.querySelectorAll<HTMLElement>('.card')].find(
      (candidate) => candidate.querySelector('.title')?.textContent === wanted,
    );
    return {
      counts,
      stage: card?.closest<HTMLElement>('.column')?.dataset['stageId'],
      dealId: card?.dataset['dealId'],
      busy: card?.getAttribute('aria-busy') === 'true',
    };
  }, title);
}

/** Waits until the deal's card is shown, settled, in this stage. */
async function waitForCard(page: Page, title: string, stageId: string): Promise<void> {
  await page
    .waitForFunction(
      ([wanted, stage]) => {
        const root = document.querySelector('crm-pipeline-board')?.shadowRoot;
        const card = [...(root?.querySelectorAll<HTMLElement>('.card') ?? [])].find(
          (candidate) => candidate.querySelector('.title')?.textContent === wanted,
        );
        return card?.closest<HTMLElement>('.column')?.dataset['stageId'] === stage && card.ariaBusy !== 'true';
      },
      [title, stageId] as const,
      { timeout: STEP_TIMEOUT },
    )
    .catch(async (error: unknown) => {
      assert.equal((await boardState(page, title)).stage, stageId, String(error));
    });
}

/** Waits until the board's data has the deal in this stage, drawn or not (a won or lost column may be collapsed). */
async function waitForDealIn(page: Page, title: string, stageId: string): Promise<void> {
  await page.waitForFunction(
    ([wanted, stage]) => {
      const board = document.querySelector('crm-pipeline-board') as
        | (HTMLElement & {
            shownColumns: readonly { stage: { id: string }; cards: readonly { deal: { title: string } }[] }[];
          })
        | null;
      return (
        board?.shownColumns.find((column) => column.cards.some((card) => card.deal.title === wanted))?.stage.id ===
        stage
      );
    },
    [title, stageId] as const,
    { timeout: STEP_TIMEOUT },
  );
}

/**
 * What has keyboard focus inside the board: the card, its "Move to…" button, a stage in the move dialog, or the toggle
 * of a won or lost column.
 */
async function boardFocus(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('crm-pipeline-board')!.shadowRoot!;
    const active = root.activeElement as HTMLElement | null;
    return {
      role: active?.classList.contains('card')
        ? 'card'
        : active?.dataset['action'] === 'move'
          ? 'move-button'
          : active?.dataset['stageId']
            ? 'stage'
            : active?.dataset['toggleStage']
              ? 'toggle'
              : (active?.tagName.toLowerCase() ?? 'outside'),
      dealId: active?.closest<HTMLElement>('.card')?.dataset['dealId'],
      stageId: active?.dataset['stageId'],
      dialogOpen: root.querySelector<HTMLDialogElement>('dialog.move-dialog')?.open ?? false,
    };
  });
}

async function waitForFocus(page: Page, role: string, extra: { stageId?: string } = {}): Promise<void> {
  await page
    .waitForFunction(
      ([wantedRole, wantedStage]) => {
        const root = document.querySelector('crm-pipeline-board')?.shadowRoot;
        const active = root?.activeElement as HTMLElement | null | undefined;
        if (!active) return false;
        const role = active.classList.contains('card')
          ? 'card'
          : active.dataset['action'] === 'move'
            ? 'move-button'
            : active.dataset['stageId']
              ? 'stage'
              : active.dataset['toggleStage']
                ? 'toggle'
                : '';
        const stage = active.dataset['stageId'] ?? active.dataset['toggleStage'];
        return role === wantedRole && (wantedStage === undefined || stage === wantedStage);
      },
      [role, extra.stageId] as const,
      { timeout: STEP_TIMEOUT },
    )
    .catch(async (error: unknown) => {
      assert.fail(`expected focus on ${role}, found ${JSON.stringify(await boardFocus(page))}: ${String(error)}`);
    });
}

test('the team server hands its demo users only to pages of its own origin on this computer', async () => {
  const ask = (headers: Record<string, string>) =>
    new Promise<{ status: number; cors: string | undefined; body: string }>((done, fail) => {
      const url = new URL('/demo/users', origin);
      httpRequest(url, { headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          done({
            status: response.statusCode ?? 0,
            cors: response.headers['access-control-allow-origin'],
            body,
          }),
        );
      })
        .on('error', fail)
        .end();
    });
  const own = await ask({ 'sec-fetch-site': 'same-origin' });
  assert.equal(own.status, 200);
  assert.deepEqual(
    (JSON.parse(own.body) as { users: { role: string }[] }).users.map((user) => user.role),
    ['admin', 'manager', 'rep', 'rep', 'viewer'],
  );
  const refused: Record<string, string>[] = [
    { origin: 'http://localhost:3000' },
    { 'sec-fetch-site': 'same-site' },
    { 'sec-fetch-site': 'cross-site' },
    // DNS rebinding: a foreign name that resolves to this computer.
    { host: `rebound.example:${new URL(origin).port}` },
  ];
  for (const headers of refused) {
    const answer = await ask(headers);
    assert.equal(answer.status, 403, JSON.stringify(headers));
    assert.equal(answer.cors, undefined);
    assert.doesNotMatch(answer.body, /token/);
  }
});

/** The demo users the team server signs in (examples/portal/demo-data.ts): a manager, two of their reps, a viewer. */
const MANAGER = 'usr-0003';
const REP = 'usr-0005';
const OTHER_REP = 'usr-0007';
const VIEWER = 'usr-viewer';

test('team mode: a rep and their manager in two browsers see what the policy allows, and each sees the other’s move arrive live; a viewer may not move a deal', async () => {
  const repContext = await newContext();
  const managerContext = await newContext();
  const viewerContext = await newContext();
  try {
    const rep = await repContext.newPage();
    const manager = await managerContext.newPage();
    const viewer = await viewerContext.newPage();
    const errors = [rep, manager, viewer].map((page) => {
      page.setDefaultTimeout(STEP_TIMEOUT);
      return collectErrors(page);
    });

    // Each person opens the portal (team mode: the server is there) and signs in with the demo sign-in switcher.
    for (const [page, userId] of [
      [rep, REP],
      [manager, MANAGER],
      [viewer, VIEWER],
    ] as const) {
      await open(page, '#pipeline');
      assert.equal(await page.inputValue('#mode'), 'team');
      assert.equal(await page.isVisible('#user-field'), true, 'the sign-in switcher is offered');
      assert.match((await page.textContent('#demo-note')) ?? '', /^Demo only/, 'labelled as a demo sign-in');
      await signIn(page, userId);
      assert.equal(await page.isHidden('#reset'), true, 'the team’s data is not reset from a browser');
    }
    assert.match((await rep.textContent('#signed-in')) ?? '', /^Signed in as Chloe Jackson$/);
    assert.match((await manager.textContent('#signed-in')) ?? '', /^Signed in as Elizabeth Allen$/);
    assert.match((await manager.textContent('#status')) ?? '', /team server as Elizabeth Allen, sales manager/);

    // What each may see: the rep their own deals only; the manager their team's, both reps' included; the viewer all.
    await Promise.all([rep, manager, viewer].map(waitForDeals));
    const repDeals = await boardDeals(rep);
    const managerDeals = await boardDeals(manager);
    const viewerDeals = await boardDeals(viewer);
    assert.deepEqual([...new Set(repDeals.map((deal) => deal.ownerId))], [REP], 'a rep sees only their own deals');
    const managerOwners = new Set(managerDeals.map((deal) => deal.ownerId));
    assert.ok(managerOwners.has(REP) && managerOwners.has(OTHER_REP), 'the manager sees both reps’ deals');
    assert.ok(!managerOwners.has('usr-0004'), 'the manager does not see the other team’s deals');
    assert.ok(viewerDeals.length > managerDeals.length, 'the viewer reads every deal');
    assert.deepEqual(await axeViolations(manager), [], 'the pipeline in team mode, with the sign-in switcher');

    // The rep moves one of their deals with the keyboard, between the open stages (Opportunity has no stage gate; a
    // deal in Quote / proposal has what that stage's gate asks for).
    const deal =
      repDeals.find((candidate) => candidate.stage === 'proposal') ?? repDeals.find((d) => d.stage === 'opportunity');
    assert.ok(deal, 'the rep has an open deal');
    const target = deal.stage === 'proposal' ? 'opportunity' : 'proposal';
    await moveByKeyboard(rep, deal.id, target);
    await waitForCard(rep, deal.title, target);
    // It arrives on the manager's and the viewer's boards through their change streams, without a reload.
    await waitForCard(manager, deal.title, target);
    await waitForDealIn(viewer, deal.title, target);

    // The other way: the manager moves it back, and the rep's board follows.
    await moveByKeyboard(manager, deal.id, deal.stage);
    await waitForCard(manager, deal.title, deal.stage);
    await waitForCard(rep, deal.title, deal.stage);

    // The viewer may look, not change: the move is refused by the server's policy, and the page says so.
    await moveByKeyboard(viewer, deal.id, target);
    await viewer.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Not allowed'));
    await waitForDealIn(viewer, deal.title, deal.stage);
    assert.equal((await boardDeals(rep)).find((d) => d.id === deal.id)?.stage, deal.stage, 'nothing changed');

    const [repErrors, managerErrors, viewerErrors] = errors;
    assert.deepEqual(repErrors, []);
    assert.deepEqual(managerErrors, []);
    // The refused move is logged by the browser as the server's 403 answer, and by nothing else.
    assert.deepEqual(
      viewerErrors!.filter((error) => !/status of 403/.test(error)),
      [],
    );
  } finally {
    await Promise.all([repContext.close(), managerContext.close(), viewerContext.close()]);
  }
});

test('the portal: a lead captured, converted and won by keyboard shows on the board, the 360 card and the funnel, survives a reload and reaches a second tab', async () => {
  const context = await newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors = collectErrors(page);

    // With a team server the portal starts in team mode; the switch takes it to this browser's own database.
    await open(page, '#reports');
    assert.equal(await page.inputValue('#mode'), 'team');
    await switchSession(page, () => page.selectOption('#mode', 'browser'));
    assert.equal(await page.inputValue('#mode'), 'browser');
    assert.equal(await page.isHidden('#user-field'), true, 'no sign-in in the browser-only mode');
    // A fresh context has an empty IndexedDB: the portal seeds it, and its reports have a baseline.
    const before = await funnelFigures(page);
    assert.ok(before.won > 0 && before.prospects > 0, `seeded funnel: ${JSON.stringify(before)}`);

    // The host's styles stay outside the widgets, and crmkit adds no style to the page.
    const styles = await page.evaluate(() => ({
      adopted: document.adoptedStyleSheets.length,
      sheets: [...document.styleSheets].map((sheet) => (sheet.ownerNode as Element | null)?.tagName ?? 'none'),
    }));
    assert.deepEqual(styles, { adopted: 0, sheets: ['LINK'] });

    // Capture a lead: typed into the form's inputs inside its shadow root.
    await page.click('a[data-route="new-lead"]');
    for (const [field, value] of Object.entries(LEAD)) {
      await page.fill(`crm-lead-form [name="${field}"]`, value);
    }
    await page.selectOption('#lead-source', 'referral');
    await page.click('crm-lead-form [type="submit"]');
    await page.waitForSelector('#convert-panel:not([hidden])');
    assert.match((await page.textContent('#convert-intro')) ?? '', /Mei Lin/);

    // Convert it in <crm-lead-convert>: it names the rep the deal goes to (the lead's owner, whom assignment picked),
    // and asks for the close date and amount the next stage's gate needs, so the deal's first move is not refused.
    assert.match(
      (await page.textContent('crm-lead-convert [part~="owner-hint"]')) ?? '',
      /^The deal goes to .+/,
      'the owner the deal will get is shown',
    );
    await page.fill('crm-lead-convert [name="title"]', DEAL_TITLE);
    await page.fill('crm-lead-convert [name="amount"]', '268000');
    await page.click('crm-lead-convert [part~="submit"]');
    await page.waitForSelector('crm-lead-convert [part~="summary"]');
    assert.match(
      (await page.textContent('crm-lead-convert [part~="summary"]')) ?? '',
      /Expected close date: Moving on to Quote \/ proposal needs this field/,
    );
    assert.deepEqual(await axeViolations(page), [], 'the new-lead view with the conversion and its problems');
    await page.fill('crm-lead-convert [name="expectedCloseDate"]', '2030-06-30');
    await page.click('crm-lead-convert [part~="submit"]');
    await page.waitForSelector('#convert-next:not([hidden])');
    assert.match((await page.textContent('crm-lead-convert [part~="status"]')) ?? '', /^Converted: the deal/);

    // The deal is on the board, without a reload; the page focuses its card.
    await page.click('#show-on-board');
    await waitForCard(page, DEAL_TITLE, 'opportunity');
    await waitForFocus(page, 'card');
    const start = await boardState(page, DEAL_TITLE);
    assert.ok(start.dealId, 'the new deal has a card');
    assert.equal((await boardFocus(page)).dealId, start.dealId, 'the page focused the new deal');

    // The widgets' own buttons keep their look under the page's uppercase pill buttons.
    const buttons = await page.evaluate(() => ({
      host: getComputedStyle(document.getElementById('reset')!).textTransform,
      board: getComputedStyle(
        document.querySelector('crm-pipeline-board')!.shadowRoot!.querySelector('[data-action="move"]')!,
      ).textTransform,
    }));
    assert.deepEqual(buttons, { host: 'uppercase', board: 'none' });

    // Move it to Won with the keyboard: Tab to "Move to…", Enter, Tab through the stages to Won, Enter.
    await page.keyboard.press('Tab');
    await waitForFocus(page, 'move-button');
    await page.keyboard.press('Enter');
    await waitForFocus(page, 'stage');
    for (let presses = 0; (await boardFocus(page)).stageId !== 'won'; presses++) {
      assert.ok(presses < 4, 'Won is reachable by Tab in the move dialog');
      await page.keyboard.press('Tab');
      await waitForFocus(page, 'stage');
    }
    await page.keyboard.press('Enter');
    // Won is collapsed (a narrow column with its count and total): the card lands there without opening it, and
    // focus goes to the column's toggle; Enter opens the column, Tab reaches the moved card.
    await waitForDealIn(page, DEAL_TITLE, 'won');
    await waitForFocus(page, 'toggle', { stageId: 'won' });
    const collapsedWon = await page.evaluate(() => {
      const toggle = document
        .querySelector('crm-pipeline-board')!
        .shadowRoot!.querySelector('.column[data-stage-id="won"] [part="stage-toggle"]')!;
      return toggle.getAttribute('aria-expanded');
    });
    assert.equal(collapsedWon, 'false', 'Won stays collapsed after the move');
    await page.keyboard.press('Enter');
    await waitForCard(page, DEAL_TITLE, 'won');
    const moved = await boardState(page, DEAL_TITLE);
    assert.equal(moved.dealId, start.dealId);
    assert.equal(moved.counts['won'], start.counts['won']! + 1, 'Won counts one more deal');
    assert.equal(moved.counts['opportunity'], start.counts['opportunity']! - 1, 'Opportunity counts one fewer');
    await page.keyboard.press('Tab');
    await waitForFocus(page, 'card');
    assert.equal((await boardFocus(page)).dealId, start.dealId, 'Tab from the opened column reaches the moved card');
    // Enter opens it, and the page shows its customer in the 360 card.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash.startsWith('#customers/'));
    await page.waitForFunction(
      ([company, dealId]) => {
        const root = document.querySelector('crm-customer-360')?.shadowRoot;
        const deal = root?.querySelector(`[part~="deal"][data-deal-id="${dealId}"]`);
        return (
          root?.querySelector('[part~="name"]')?.textContent?.trim() === company &&
          deal?.querySelector('[part~="badge"]')?.textContent?.trim() === 'Won'
        );
      },
      [LEAD.company, start.dealId!] as const,
    );
    assert.match(
      (await page.textContent(`crm-customer-360 [part~="deal"][data-deal-id="${start.dealId}"]`)) ?? '',
      /lobby relighting/,
    );

    // The funnel: one more prospect, one more lead converted, one more deal reaching (and sitting in) Won.
    const expected = {
      prospects: before.prospects + 1,
      won: before.won + 1,
      wonNow: before.wonNow + 1,
      leadsConverted: before.leadsConverted + 1,
    };
    await page.click('a[data-route="reports"]');
    await waitForFunnel(page, expected);

    // Reload: nothing was lost.
    await page.reload();
    await waitReady(page);
    await waitForFunnel(page, expected);
    await page.click('a[data-route="pipeline"]');
    await waitForDealIn(page, DEAL_TITLE, 'won');
    assert.equal((await boardState(page, DEAL_TITLE)).counts['won'], moved.counts['won']);

    // A second tab follows the first without reloading (IndexedDB's cross-tab change feed) — and the other way.
    const other = await context.newPage();
    other.setDefaultTimeout(STEP_TIMEOUT);
    const otherErrors = collectErrors(other);
    await open(other, '#pipeline');
    await waitForDealIn(other, DEAL_TITLE, 'won');
    await other.evaluate(
      (dealId) =>
        (
          document.querySelector('crm-pipeline-board') as HTMLElement & {
            moveDeal(id: string, stageId: string): Promise<void>;
          }
        ).moveDeal(dealId, 'opportunity'),
      start.dealId!,
    );
    await waitForCard(other, DEAL_TITLE, 'opportunity');
    await waitForCard(page, DEAL_TITLE, 'opportunity');
    await page.click('a[data-route="reports"]');
    await waitForFunnel(page, { ...expected, wonNow: before.wonNow });

    // The language switch: the page's own strings and crmkit's elements both change.
    await other.selectOption('#locale', 'zh-CN');
    await other.waitForFunction(() => {
      const won = document
        .querySelector('crm-pipeline-board')
        ?.shadowRoot?.querySelector('.column[data-stage-id="won"] .stage-name');
      return (
        document.documentElement.lang === 'zh-CN' &&
        document.querySelector('a[data-route="pipeline"]')?.textContent === '销售管道' &&
        won?.textContent === '成交'
      );
    });
    assert.equal(await other.getAttribute('crm-provider', 'locale'), 'zh-CN');

    // "Reset demo data" in one tab replaces everything; the other tab's board drops the converted deal by itself.
    await other.click('#reset');
    await other.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('演示数据已重置'));
    await page.waitForFunction((title) => {
      const board = document.querySelector('crm-pipeline-board') as HTMLElement & {
        shownColumns: readonly { cards: readonly { deal: { title: string } }[] }[];
      };
      const cards = board.shownColumns.flatMap((column) => column.cards);
      return cards.length > 0 && cards.every((card) => card.deal.title !== title);
    }, DEAL_TITLE);

    assert.deepEqual(errors, []);
    assert.deepEqual(otherErrors, []);
  } finally {
    await context.close();
  }
});

/** axe's WCAG 2.1 A and AA rules over the whole page (host page and widgets, shadow roots included). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> } })
      .axe;
    const results = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return results.violations.map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(' | ')}`,
    );
  });
}
interface AxeResults {
  violations: { id: string; nodes: { target: string[] }[] }[];
}
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

test('every view of the portal has no axe violations, in English and in Chinese', async () => {
  const context = await newContext();
  await context.addInitScript({ content: BROWSER_MODE });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const found: Record<string, string[]> = {};
    for (const language of ['en', 'zh-CN']) {
      await open(page, '#pipeline');
      if (language !== 'en') {
        await page.selectOption('#locale', language);
        await page.waitForFunction((lang) => document.documentElement.lang === lang, language);
      }
      await page.waitForFunction(() =>
        document.querySelector('crm-pipeline-board')?.shadowRoot?.querySelector('.card'),
      );
      found[`${language} pipeline`] = await axeViolations(page);
      await page.click('a[data-route="customers"]');
      await page.locator('a[href^="#customers/"]').first().click();
      await page.waitForFunction(() =>
        document.querySelector('crm-customer-360')?.shadowRoot?.querySelector('[part~="name"]'),
      );
      found[`${language} customer`] = await axeViolations(page);
      await page.click('a[data-route="new-lead"]');
      await page.waitForFunction(() => document.querySelector('crm-lead-form')?.shadowRoot?.querySelector('input'));
      found[`${language} new lead`] = await axeViolations(page);
      await page.click('a[data-route="reports"]');
      await page.waitForFunction(() => document.querySelector('#reports table tbody tr'));
      found[`${language} reports`] = await axeViolations(page);
      // What a developer needs to know (which events and calls wire the page) is in the example's README, not on
      // the sales desk's pages.
      for (const route of ['pipeline', 'customers', 'new-lead', 'reports']) {
        await page.click(`a[data-route="${route}"]`);
        const shown = await page.evaluate(() => document.body.innerText);
        assert.doesNotMatch(shown, /crm\.leads\.|<crm-|crm-lead-captured/, `${language} ${route}: developer notes`);
      }
    }
    assert.deepEqual(
      Object.entries(found).filter(([, violations]) => violations.length > 0),
      [],
      'axe violations per view',
    );
  } finally {
    await context.close();
  }
});

test('the customer list pages through every customer with a keyboard-operable "Show more"', async () => {
  const context = await newContext();
  await context.addInitScript({ content: BROWSER_MODE });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors = collectErrors(page);
    await open(page, '#customers');
    const listed = () =>
      page.evaluate(() => ({
        count: document.getElementById('customer-count')?.textContent ?? '',
        links: [...document.querySelectorAll<HTMLAnchorElement>('#customer-list a')].map((link) => link.hash),
        more: !(document.getElementById('customer-more') as HTMLButtonElement).hidden,
      }));
    await page.waitForFunction(() => document.querySelectorAll('#customer-list a').length > 0);
    const first = await listed();
    const total = Number(/of ([\d,]+)/.exec(first.count)?.[1]?.replace(/,/g, ''));
    assert.ok(total > 50, `the demo has more customers than a page: ${first.count}`);
    assert.equal(first.links.length, 50);
    assert.equal(first.count, `Showing 50 of ${total}`);
    assert.equal(first.more, true, 'a "Show more" button is offered');

    // Keyboard only: Tab from the last customer reaches "Show more"; Enter loads the next page and focus goes to its
    // first customer, so Tab and Enter again carry on.
    let shown = first;
    while (shown.more) {
      const before = shown.links.length;
      await page.focus('#customer-list li:last-child a');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'customer-more');
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => document.querySelectorAll('#customer-list a').length > n, before);
      shown = await listed();
      assert.equal(
        await page.evaluate(() => (document.activeElement as HTMLAnchorElement | null)?.hash),
        shown.links[before],
        'focus moved to the first customer of the new page',
      );
      assert.ok(shown.links.length <= before + 50);
    }
    assert.equal(shown.links.length, total, 'every customer is listed in the end');
    assert.equal(new Set(shown.links).size, total, 'no customer twice');
    assert.equal(shown.count, `Showing ${total} of ${total}`);

    // A search starts again from its first page of matches.
    await page.fill('#customer-search', 'zzzz-no-such-customer');
    await page.waitForFunction(() => document.getElementById('customer-count')?.textContent === 'Showing 0 of 0');
    assert.equal((await listed()).more, false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/**
 * Cumulative layout shift of a page load, as Lighthouse counts it: the layout-shift entries not caused by input,
 * grouped in session windows (gaps under 1 s, at most 5 s long), the largest window's sum.
 */
const CLS_OBSERVER = `
  globalThis.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) {
        globalThis.__shifts.push({
          value: entry.value,
          time: entry.startTime,
          sources: (entry.sources || []).map((source) => {
            const node = source.node;
            const name = node ? node.id || String(node.className || '') || node.nodeName : 'shadow';
            const r = (rect) => [rect.x, rect.y, rect.width, rect.height].map(Math.round).join(',');
            return name + ' ' + r(source.previousRect) + ' → ' + r(source.currentRect);
          }),
        });
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });
`;

async function layoutShift(page: Page): Promise<{ cls: number; shifts: { value: number; sources: string[] }[] }> {
  // Two frames after the last change, so the observer has been told of every shift the load caused.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return page.evaluate(() => {
    const shifts = (globalThis as unknown as { __shifts: { value: number; time: number; sources: string[] }[] })
      .__shifts;
    let cls = 0;
    let window = 0;
    let start = -Infinity;
    let last = -Infinity;
    for (const shift of shifts) {
      if (shift.time - last > 1000 || shift.time - start > 5000) {
        window = 0;
        start = shift.time;
      }
      window += shift.value;
      last = shift.time;
      cls = Math.max(cls, window);
    }
    return { cls, shifts: shifts.map(({ value, sources }) => ({ value, sources })) };
  });
}

test('the production build does not shift its layout while it loads (CLS ≤ 0.1), first visit and after', async () => {
  const context = await newContext();
  await context.addInitScript({ content: BROWSER_MODE });
  await context.addInitScript({ content: CLS_OBSERVER });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const loaded = async () => {
      await waitReady(page);
      await page.waitForFunction(() =>
        document.querySelector('crm-pipeline-board')?.shadowRoot?.querySelector('.card'),
      );
    };
    // The first visit seeds the database: the views wait longest for their data here.
    await page.goto(`${origin}/#pipeline`);
    await loaded();
    const first = await layoutShift(page);
    assert.ok(first.cls <= 0.1, `first visit: CLS ${first.cls.toFixed(3)} ${JSON.stringify(first.shifts)}`);
    await page.reload();
    await loaded();
    const again = await layoutShift(page);
    assert.ok(again.cls <= 0.1, `second visit: CLS ${again.cls.toFixed(3)} ${JSON.stringify(again.shifts)}`);
    for (const route of ['customers', 'reports']) {
      await page.goto(`${origin}/#${route}`);
      await page.reload();
      await waitReady(page);
      await page.waitForFunction(
        (view) =>
          view === 'customers'
            ? document.querySelectorAll('#customer-list a').length > 0
            : document.getElementById('reports')?.dataset['state'] === 'ready',
        route,
      );
      const shift = await layoutShift(page);
      assert.ok(shift.cls <= 0.1, `${route}: CLS ${shift.cls.toFixed(3)} ${JSON.stringify(shift.shifts)}`);
    }
  } finally {
    await context.close();
  }
});
