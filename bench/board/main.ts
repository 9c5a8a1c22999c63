/**
 * The pipeline board benchmark page: `<crm-pipeline-board>` (presentational mode) against a bare Lit board
 * (bench/board/bare-board.ts) that renders the same cards, in one page run.
 *
 * 1. First render of 1 000 and 10 000 deals: from setting the properties and attaching the element to the first
 *    presented frame with the cards in it.
 * 2. One card move: from `moveDeal(id, toStageId)` (the host applies the `crm-deal-move` by handing the board new
 *    `deals`), or from the same data update on the bare board, to the next presented frame with the card in its new
 *    column.
 *
 * A third contender, the board with `hide-filters`, is reported for information: the difference to the board is what
 * its filter bar costs. Every contender's cards scrollers are made as high as the board's, so all keep the same cards
 * in the DOM (checked). All twelve contenders (three boards × two sizes × two measurements) run once per round, in an
 * order that rotates from round to round. Run it with `npm run bench:board` (see docs/benchmarks.md); the page
 * publishes its report for the runner.
 *
 * **The "presented frame"**, the same for every contender: after `await element.updateComplete`, the page waits (in
 * zero-delay tasks, no frame wait) until the virtualizer has put the expected cards into the DOM, then calls
 * `requestAnimationFrame` and, inside that callback, `setTimeout(0)`. The rAF callback runs at the start of the next
 * frame's rendering step; the timeout fires in the first task after that step, once style, layout, the virtualizer's
 * ResizeObserver measurements and paint of that frame are done on the main thread. The clock stops there.
 */
import '@crmkit/elements/crm-pipeline-board';
import type { BoardDeal, BoardPipeline, CrmDealMoveEvent, CrmPipelineBoard } from '@crmkit/elements';
import { DEMO_NOW, generateDemoData } from '@crmkit/core/testing';
import { BARE_BOARD_TAG, BenchBareBoard } from './bare-board.js';
import {
  formatMs,
  formatRange,
  formatRatio,
  intParam,
  log,
  measureRounds,
  median,
  param,
  publishFailure,
  publishReport,
  summarize,
  type BenchCheck,
  type BenchTable,
  type Contender,
  type Samples,
} from '../harness/page.js';

const NOW = new Date(DEMO_NOW);
const BOARD_TAG = 'crm-pipeline-board';

type Kind = 'bare' | 'board' | 'board-hide-filters';
type AnyBoard = CrmPipelineBoard | BenchBareBoard;

const KIND_LABEL: Record<Kind, string> = {
  bare: 'bare Lit board',
  board: '<crm-pipeline-board>',
  'board-hide-filters': '<crm-pipeline-board hide-filters> (info)',
};

/** One data set, as a host with its own data layer would hand it to the board. */
interface Dataset {
  readonly size: number;
  readonly pipeline: BoardPipeline;
  /** Newest in stage first, as the board orders them when it loads through a CRM. */
  readonly deals: readonly BoardDeal[];
  readonly customerNames: Readonly<Record<string, string>>;
  readonly ownerNames: Readonly<Record<string, string>>;
  /** The move every move trial makes: the first deal (top of its column) to the next open stage. */
  readonly move: { readonly dealId: string; readonly from: number; readonly to: number; readonly toStageId: string };
}

function dataset(scale: number): Dataset {
  const data = generateDemoData({ seed: 1, scale });
  const pipeline = data.pipelines[0]!;
  const deals = data.deals
    .filter((deal) => deal.pipelineId === pipeline.id)
    .sort((a, b) => {
      const [x, y] = [a.stageEnteredAt ?? '', b.stageEnteredAt ?? ''];
      return x < y ? 1 : x > y ? -1 : 0;
    });
  const customerNames = Object.fromEntries(data.customers.map((customer) => [customer.id, customer.name]));
  const ownerNames = Object.fromEntries(data.users.map((user) => [user.id, user.name]));
  const first = deals[0]!;
  const from = pipeline.stages.findIndex((stage) => stage.id === first.stageId);
  const to = pipeline.stages.findIndex((stage) => stage.kind === 'open' && stage.id !== first.stageId);
  return {
    size: deals.length,
    pipeline,
    deals,
    customerNames,
    ownerNames,
    move: { dealId: first.id, from, to, toStageId: pipeline.stages[to]!.id },
  };
}

// ——— frames and waiting ———

/** A task with no delay and no clamping (a `MessageChannel` message), so polling never waits for a frame. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/** Resolves in the first task after the next frame's rendering step (see the module comment). */
function presentedFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Polls `condition` in zero-delay tasks; returns how many tasks it took (0: true at once). */
async function until(condition: () => boolean, what: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  let tasks = 0;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await nextTask();
    tasks++;
  }
  return tasks;
}

/** Each column's cards scroller, in stage order. */
function scrollers(board: AnyBoard): HTMLElement[] {
  return [...board.renderRoot.querySelectorAll<HTMLElement>('.cards')];
}

/** Cards in the DOM per column. */
function cardsInDom(board: AnyBoard): number[] {
  return scrollers(board).map((scroller) => scroller.querySelectorAll('.card').length);
}

/** Per column, how many deals it holds and the first of them: the board's cards, the bare board's deals. */
function shownColumns(board: AnyBoard): { size: number; first: BoardDeal | undefined }[] {
  return board instanceof BenchBareBoard
    ? board.shownColumns.map((column) => ({ size: column.deals.length, first: column.deals[0] }))
    : board.shownColumns.map((column) => ({ size: column.cards.length, first: column.cards[0]?.deal }));
}

/** Every column that has deals shows at least one card. */
function cardsShown(board: AnyBoard): boolean {
  const lists = scrollers(board);
  const columns = shownColumns(board);
  return (
    columns.length > 0 &&
    lists.length === columns.length &&
    columns.every((column, index) => column.size === 0 || lists[index]!.querySelector('.card') !== null)
  );
}

/** The text of each column's first card, whitespace collapsed: what a reader sees of it. */
function firstCardTexts(board: AnyBoard): string[] {
  const lists = scrollers(board);
  return shownColumns(board).map((column, index) => {
    const id = column.first?.id;
    const card = id === undefined ? null : lists[index]?.querySelector(`.card[data-deal-id="${CSS.escape(id)}"]`);
    return card?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  });
}

function cardIn(board: AnyBoard, column: number, dealId: string): boolean {
  return scrollers(board)[column]?.querySelector(`.card[data-deal-id="${CSS.escape(dealId)}"]`) != null;
}

// ——— the contenders ———

const mount = document.getElementById('mount')!;
/** Measured on the board, per data set: its cards scrollers' height and its row of columns' height. */
interface BoardGeometry {
  readonly cards: number;
  readonly columns: number;
}
const geometry = new Map<Dataset, BoardGeometry>();

function create(kind: Kind, data: Dataset): AnyBoard {
  const { cards, columns } = geometry.get(data) ?? { cards: 0, columns: 0 };
  if (kind === 'bare') {
    // The bare board's scrollers are as high as the board's.
    const bare = document.createElement(BARE_BOARD_TAG);
    bare.style.setProperty('--bench-cards-height', `${cards}px`);
    return bare;
  }
  const board = document.createElement(BOARD_TAG);
  // Won and lost columns start collapsed by default (no cards rendered); expanded, the board shows the same four card
  // lists as the bare board, so both render the same cards.
  board.closedStages = 'expanded';
  if (kind === 'board-hide-filters') {
    // Without the filter bar, what the bar costs (an information row, no target); as high as the other board's
    // columns, so its scrollers, too, hold the same cards.
    board.hideFilters = true;
    board.style.setProperty('--crm-pipeline-board-height', `${columns}px`);
  }
  return board;
}

function assign(board: AnyBoard, data: Dataset): void {
  board.pipeline = data.pipeline;
  board.deals = data.deals;
  board.customerNames = data.customerNames;
  board.ownerNames = data.ownerNames;
  board.now = NOW;
}

/** What a host does with a move: a copy of its deals with the deal's stage changed, handed to the board. */
function applyMove(board: AnyBoard, dealId: string, toStageId: string): void {
  const deals = board.deals!;
  const index = deals.findIndex((deal) => deal.id === dealId);
  const next = deals.slice();
  next[index] = { ...deals[index]!, stageId: toStageId };
  board.deals = next;
}

/** Timings inside each timed run, per contender: when `updateComplete` resolved and when the cards were there. */
interface Phases {
  readonly updated: number[];
  readonly cards: number[];
  /** Zero-delay tasks between `updateComplete` and the cards being in the DOM. */
  readonly waitTasks: number[];
}

/** Untimed observations per contender. */
interface Observations {
  readonly phases: Map<string, Phases>;
  /** Cards in the DOM per column after each first render. */
  readonly domCards: Map<string, string[]>;
  /** The text of each column's first card after the last first render. */
  readonly firstCards: Map<string, string[]>;
  readonly failures: string[];
}

function phasesOf(observations: Observations, name: string): Phases {
  let phases = observations.phases.get(name);
  if (!phases) observations.phases.set(name, (phases = { updated: [], cards: [], waitTasks: [] }));
  return phases;
}

const renderName = (kind: Kind, size: number) => `first render ${size} · ${kind}`;
const moveName = (kind: Kind, size: number) => `move ${size} · ${kind}`;

function firstRenderContender(kind: Kind, data: Dataset, observations: Observations): Contender {
  const name = renderName(kind, data.size);
  return {
    name,
    prepare(round) {
      const board = create(kind, data);
      return {
        async run() {
          const start = performance.now();
          assign(board, data);
          mount.append(board);
          await board.updateComplete;
          const updated = performance.now();
          const waitTasks = await until(() => cardsShown(board), `${name}: cards`);
          const cards = performance.now();
          await presentedFrame();
          if (round >= 0) recordPhases(observations, name, { start, updated, cards, waitTasks });
        },
        after() {
          const counts = cardsInDom(board).join('/');
          const seen = observations.domCards.get(name) ?? [];
          if (!seen.includes(counts)) observations.domCards.set(name, [...seen, counts]);
          observations.firstCards.set(name, firstCardTexts(board));
          board.remove();
        },
      };
    },
  };
}

/** Keeps a timed round's phases (warm-up rounds, numbered below 0, are not kept). */
function recordPhases(
  observations: Observations,
  name: string,
  at: { start: number; updated: number; cards: number; waitTasks: number },
): void {
  const phases = phasesOf(observations, name);
  phases.updated.push(at.updated - at.start);
  phases.cards.push(at.cards - at.start);
  phases.waitTasks.push(at.waitTasks);
}

function moveContender(kind: Kind, data: Dataset, observations: Observations): Contender {
  const name = moveName(kind, data.size);
  const { dealId, from, to, toStageId } = data.move;
  return {
    name,
    async prepare(round) {
      const board = create(kind, data);
      if (kind !== 'bare') {
        board.addEventListener('crm-deal-move', (event: CrmDealMoveEvent) =>
          applyMove(board, event.detail.dealId, event.detail.toStageId),
        );
      }
      assign(board, data);
      mount.append(board);
      await board.updateComplete;
      await until(() => cardsShown(board), `${name}: cards before the move`);
      // Let the virtualizers settle (measure the cards, correct positions) before the move.
      for (let frame = 0; frame < 4; frame++) await presentedFrame();
      return {
        async run() {
          const start = performance.now();
          if (kind !== 'bare') await (board as CrmPipelineBoard).moveDeal(dealId, toStageId);
          else applyMove(board, dealId, toStageId);
          await board.updateComplete;
          const updated = performance.now();
          const waitTasks = await until(
            () => cardIn(board, to, dealId) && !cardIn(board, from, dealId),
            `${name}: the moved card`,
          );
          const cards = performance.now();
          await presentedFrame();
          if (round >= 0) recordPhases(observations, name, { start, updated, cards, waitTasks });
        },
        after() {
          const top = shownColumns(board)[to]?.first;
          if (top?.id !== dealId || top.stageId !== toStageId) {
            observations.failures.push(`${name}: the moved deal is not first in its new column`);
          }
          board.remove();
        },
      };
    },
  };
}

/** Heights of the board's cards scrollers and of its row of columns, from one board of `data` (untimed). */
async function measureBoard(data: Dataset): Promise<BoardGeometry> {
  const board = create('board', data);
  assign(board, data);
  mount.append(board);
  await board.updateComplete;
  await until(() => cardsShown(board), 'the first board');
  await presentedFrame();
  const cards = scrollers(board)[0]!.getBoundingClientRect().height;
  const columns = board.renderRoot.querySelector('.columns')!.getBoundingClientRect().height;
  board.remove();
  return { cards, columns };
}

// ——— the report ———

function row(samples: Samples, name: string, reference: string, observations: Observations, leading: string[]) {
  const summary = summarize(samples.get(name)!);
  const ratio = summary.median / summarize(samples.get(reference)!).median;
  const phases = observations.phases.get(name)!;
  return {
    ratio,
    median: summary.median,
    row: [
      ...leading,
      formatMs(median(phases.updated)),
      formatMs(median(phases.cards)),
      formatMs(summary.median),
      formatRange(summary),
      formatRatio(ratio),
    ],
  };
}

async function main(): Promise<void> {
  const rounds = intParam('rounds', 21);
  const warmupRounds = intParam('warmup', 2);
  const scales = param('scales', '10,100')
    .split(',')
    .map((scale) => Number(scale));
  if (scales.some((scale) => !(scale > 0))) throw new Error('scales: positive numbers');

  log(`generating demo data at scales ${scales.join(', ')}`);
  const sets = scales.map(dataset);
  const checks: BenchCheck[] = [];
  for (const data of sets) {
    const stages = data.pipeline.stages.map((stage) => stage.id);
    const perStage = stages.map((id) => data.deals.filter((deal) => deal.stageId === id).length);
    checks.push({
      name: `${data.size} deals in the demo pipeline`,
      ok: perStage.reduce((a, b) => a + b, 0) === data.size,
      detail: stages.map((id, index) => `${id} ${perStage[index]}`).join(', '),
    });
  }

  for (const data of sets) {
    geometry.set(data, await measureBoard(data));
    const { cards, columns } = geometry.get(data)!;
    log(`${data.size} deals: the board's cards scrollers are ${cards} px high, its columns ${columns} px`);
  }

  const observations: Observations = { phases: new Map(), domCards: new Map(), firstCards: new Map(), failures: [] };
  const kinds: Kind[] = ['bare', 'board', 'board-hide-filters'];
  const contenders = [
    ...sets.flatMap((data) => kinds.map((kind) => firstRenderContender(kind, data, observations))),
    ...sets.flatMap((data) => kinds.map((kind) => moveContender(kind, data, observations))),
  ];
  log(`${contenders.length} contenders: ${warmupRounds} warm-up + ${rounds} rotated rounds`);
  const samples = await measureRounds(contenders, {
    rounds,
    warmupRounds,
    onRound: (round, total) => log(`  round ${round}/${total}`),
  });

  // Correctness: the same cards in the DOM for every contender; every move landed where it should.
  for (const data of sets) {
    const seen = kinds.map((kind) => observations.domCards.get(renderName(kind, data.size)) ?? []);
    checks.push({
      name: `${data.size} deals: every contender keeps the same cards in the DOM per column`,
      ok: seen.every((counts) => counts.length === 1 && counts[0] === seen[0]![0]),
      detail: kinds.map((kind, index) => `${kind} ${seen[index]!.join(' | ')}`).join('; '),
    });
  }
  for (const data of sets) {
    const texts = kinds.map((kind) => observations.firstCards.get(renderName(kind, data.size)) ?? []);
    const same = texts.every((list) => list.length > 0 && list.join('\n') === texts[0]!.join('\n'));
    checks.push({
      name: `${data.size} deals: the first card of every column reads the same on every contender`,
      ok: same,
      detail: same
        ? texts[0]!.join(' | ')
        : kinds.map((kind, index) => `${kind}: ${texts[index]!.join(' | ')}`).join('; '),
    });
  }
  checks.push({
    name: 'every move put the deal first in its new column, on every contender',
    ok: observations.failures.length === 0,
    detail: observations.failures.slice(0, 3).join('; '),
  });

  const ratios: Record<string, number> = {};
  const medians: Record<string, number> = {};
  const renderRows: string[][] = [];
  const moveRows: string[][] = [];
  for (const data of sets) {
    const size = data.size.toLocaleString('en-US');
    for (const kind of kinds) {
      const cards = observations.domCards.get(renderName(kind, data.size))?.join(' | ') ?? '';
      const render = row(samples, renderName(kind, data.size), renderName('bare', data.size), observations, [
        size,
        KIND_LABEL[kind],
        cards,
      ]);
      renderRows.push(render.row);
      ratios[renderName(kind, data.size)] = render.ratio;
      medians[renderName(kind, data.size)] = render.median;
      const move = row(samples, moveName(kind, data.size), moveName('bare', data.size), observations, [
        size,
        KIND_LABEL[kind],
      ]);
      moveRows.push(move.row);
      ratios[moveName(kind, data.size)] = move.ratio;
      medians[moveName(kind, data.size)] = move.median;
    }
  }

  const phaseColumns = [
    { label: 'updateComplete ms', align: 'right' as const },
    { label: 'cards in DOM ms', align: 'right' as const },
    { label: 'frame median ms', align: 'right' as const },
    { label: 'min–max ms', align: 'right' as const },
    { label: '× bare', align: 'right' as const },
  ];
  const renderTable: BenchTable = {
    caption: `First render, properties set and element attached → first presented frame (median of ${rounds} rotated rounds)`,
    columns: [
      { label: 'deals', align: 'right' },
      { label: 'contender' },
      { label: 'cards in DOM', align: 'right' },
      ...phaseColumns,
    ],
    rows: renderRows,
  };
  const moveTable: BenchTable = {
    caption: `One card move → next presented frame (median of ${rounds} rotated rounds)`,
    columns: [{ label: 'deals', align: 'right' }, { label: 'contender' }, ...phaseColumns],
    rows: moveRows,
  };

  const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
  const [small, large] = [sets[0]!, sets[sets.length - 1]!];
  const growth = medians[renderName('board', large.size)]! / medians[renderName('board', small.size)]!;
  const bareGrowth = medians[renderName('bare', large.size)]! / medians[renderName('bare', small.size)]!;
  ratios['board growth'] = growth;
  ratios['bare growth'] = bareGrowth;
  const targetTable: BenchTable = {
    caption: 'Targets',
    columns: [{ label: 'target' }, { label: 'measured', align: 'right' }, { label: 'result' }],
    rows: [
      ...sets.map((data) => {
        const ratio = ratios[renderName('board', data.size)]!;
        return [
          `first render ${data.size.toLocaleString('en-US')} ≤ 1.25× bare`,
          `${formatRatio(ratio)}×`,
          verdict(ratio <= 1.25),
        ];
      }),
      [
        `board first render ${large.size.toLocaleString('en-US')} ≤ 1.5× ${small.size.toLocaleString('en-US')}`,
        `${formatRatio(growth)}× (bare: ${formatRatio(bareGrowth)}×)`,
        verdict(growth <= 1.5),
      ],
      ...sets.map((data) => {
        const ms = medians[moveName('board', data.size)]!;
        return [
          `board move at ${data.size.toLocaleString('en-US')} deals ≤ 33 ms`,
          `${formatMs(ms)} ms`,
          verdict(ms <= 33),
        ];
      }),
    ],
  };

  const litVersions = (globalThis as { litElementVersions?: string[] }).litElementVersions ?? [];
  publishReport({
    title: 'Pipeline board',
    environment: {
      browser: navigator.userAgent,
      cores: String(navigator.hardwareConcurrency),
      viewport: `${innerWidth}×${innerHeight}, devicePixelRatio ${devicePixelRatio}`,
      lit: `lit-element ${litVersions.join(', ')}; @lit-labs/virtualizer ${param('virtualizerVersion', '?')}`,
      data: `generateDemoData({ seed: 1, scale: ${scales.join(' | ')} }), deals newest in stage first, now ${DEMO_NOW}`,
      'cards scrollers': sets.map((data) => `${geometry.get(data)!.cards} px (${data.size})`).join(', '),
    },
    tables: [renderTable, moveTable, targetTable],
    checks,
    data: {
      ratios,
      medians,
      samples: Object.fromEntries(samples),
      phases: Object.fromEntries(observations.phases),
      domCards: Object.fromEntries(observations.domCards),
    },
  });
}

main().catch(publishFailure);
