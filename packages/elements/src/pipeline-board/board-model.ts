/**
 * The pipeline board's data, as pure functions: deals grouped into stage columns with counts and totals, filtered,
 * with pending (optimistic) moves applied. Kept apart from the element so a host, a test or a benchmark can build
 * the same columns.
 */
import type { LocalizedText, Money, Stage } from '@crmkit/core';
import { localized } from '../internal/format.js';

const DAY = 86_400_000;

/**
 * What the board needs of a deal. A stored `Deal` has all of it; a host with its own data layer passes objects of
 * this shape.
 */
export interface BoardDeal {
  readonly id: string;
  readonly title: string;
  readonly customerId: string;
  readonly stageId: string;
  readonly amount: Money;
  readonly status?: 'open' | 'won' | 'lost';
  readonly ownerId?: string;
  readonly source?: string;
  /** When the deal entered its stage; days in stage and rotting count from it (else `updatedAt`, `createdAt`). */
  readonly stageEnteredAt?: string;
  /** When a won or lost deal closed; a closed card shows it (else when it entered its stage) instead of days in stage. */
  readonly closedAt?: string;
  readonly updatedAt?: string;
  readonly createdAt?: string;
  /** The stored version, sent with a move so a stale board gets `ConflictError` instead of overwriting. */
  readonly version?: number;
}

/** What the board needs of a pipeline: its stages in funnel order. */
export interface BoardPipeline {
  readonly id: string;
  readonly name: LocalizedText;
  readonly stages: readonly Pick<Stage, 'id' | 'name' | 'probability' | 'kind' | 'rottingDays'>[];
}

/** The board's filters; an empty or absent one matches everything. */
export interface BoardFilters {
  /** Only deals of this owner; `''` for deals without an owner. */
  readonly ownerId?: string;
  /** Only deals from this source. */
  readonly source?: string;
  /** Deals whose title, customer name or owner name contains this text, ignoring case. */
  readonly text?: string;
}

/** One card: a deal and what is shown about it. */
export interface BoardCard {
  readonly deal: BoardDeal;
  /** The stage the card shows in: the deal's, or the one a pending move is taking it to. */
  readonly stageId: string;
  readonly customerName: string;
  readonly ownerName: string;
  /** Whole days since the deal entered its stage (0 when unknown). */
  readonly daysInStage: number;
  /** In a won or lost stage: which; such a card shows when it closed instead of days in stage. */
  readonly closed?: 'won' | 'lost';
  /** When the deal closed, for a card in a closed stage; unknown while a move there is pending. */
  readonly closedAt?: string;
  /** Idle longer than the stage's rotting days (open stages only). */
  readonly rotting: boolean;
  /** A move of this card is waiting for storage. */
  readonly pending: boolean;
}

/** One stage column. Counts and amounts are of the cards shown, after filters. */
export interface BoardColumn {
  readonly stage: BoardPipeline['stages'][number];
  readonly cards: readonly BoardCard[];
  /** Total amount per currency, largest first. */
  readonly totals: readonly Money[];
  /** Totals weighted by the stage's probability, rounded to the minor unit. */
  readonly weighted: readonly Money[];
}

/** Inputs of {@link buildBoard}. */
export interface BoardInput {
  readonly pipeline: BoardPipeline;
  readonly deals: readonly BoardDeal[];
  readonly customerNames?: Readonly<Record<string, string>>;
  readonly ownerNames?: Readonly<Record<string, string>>;
  readonly filters?: BoardFilters;
  /** Deal id → stage id of moves not yet confirmed by storage. */
  readonly pending?: ReadonlyMap<string, string>;
  /** The instant days in stage count to. */
  readonly now: number;
  /** Compares texts for the text filter; default lower-casing in the root locale. */
  readonly locale?: string;
  /**
   * The columns of the previous build. Unchanged cards and columns are reused (same objects, same arrays), so a
   * virtualised list whose column did not change has nothing to lay out again.
   */
  readonly previous?: readonly BoardColumn[];
}

/** The stage name in the message language: Simplified Chinese for `zh-CN`, English otherwise. */
export function stageName(name: LocalizedText, messagesLocale: string): string {
  return localized(name, messagesLocale)!;
}

/** When each deal object entered its stage, parsed once per object: a board rebuilds its columns on every move. */
const enteredAt = new WeakMap<BoardDeal, number>();

function enteredMs(deal: BoardDeal): number {
  let ms = enteredAt.get(deal);
  if (ms === undefined) {
    const value = deal.stageEnteredAt ?? deal.updatedAt ?? deal.createdAt;
    ms = value === undefined ? Number.NaN : Date.parse(value);
    enteredAt.set(deal, ms);
  }
  return ms;
}

function sameCard(a: BoardCard, b: Omit<BoardCard, 'deal'>): boolean {
  return (
    a.stageId === b.stageId &&
    a.customerName === b.customerName &&
    a.ownerName === b.ownerName &&
    a.daysInStage === b.daysInStage &&
    a.closed === b.closed &&
    a.closedAt === b.closedAt &&
    a.rotting === b.rotting &&
    a.pending === b.pending
  );
}

/**
 * Groups deals into the pipeline's columns, in stage order and, within a column, as given (so a caller sorts once).
 * Deals in a stage the pipeline no longer has are left out. Filters apply before counting.
 */
export function buildBoard(input: BoardInput): BoardColumn[] {
  const { pipeline, deals, filters = {}, pending, now } = input;
  const customerNames = input.customerNames ?? {};
  const ownerNames = input.ownerNames ?? {};
  const text = filters.text?.trim().toLocaleLowerCase(input.locale) ?? '';
  const byStage = new Map<string, BoardCard[]>();
  const limits = new Map<string, number>();
  const closedKinds = new Map<string, 'won' | 'lost'>();
  for (const stage of pipeline.stages) {
    byStage.set(stage.id, []);
    if (stage.kind !== 'open') closedKinds.set(stage.id, stage.kind);
    if (stage.kind === 'open' && stage.rottingDays !== undefined) limits.set(stage.id, stage.rottingDays);
  }
  const previousCards = new Map<BoardDeal, BoardCard>();
  for (const column of input.previous ?? []) for (const card of column.cards) previousCards.set(card.deal, card);
  for (const deal of deals) {
    if (filters.ownerId !== undefined && filters.ownerId !== '' && deal.ownerId !== filters.ownerId) continue;
    if (filters.source !== undefined && filters.source !== '' && deal.source !== filters.source) continue;
    const stageId = pending?.get(deal.id) ?? deal.stageId;
    const column = byStage.get(stageId);
    if (!column) continue;
    const customerName = customerNames[deal.customerId] ?? '';
    const ownerName = deal.ownerId === undefined ? '' : (ownerNames[deal.ownerId] ?? '');
    if (text !== '' && !matchesText(text, input.locale, deal.title, customerName, ownerName)) continue;
    const entered = enteredMs(deal);
    const idle = Number.isNaN(entered) || stageId !== deal.stageId ? 0 : Math.max(0, now - entered) / DAY;
    const limit = limits.get(stageId);
    const closed = closedKinds.get(stageId);
    const closedAt = closed && stageId === deal.stageId ? (deal.closedAt ?? deal.stageEnteredAt) : undefined;
    const shown = {
      stageId,
      customerName,
      ownerName,
      daysInStage: Math.floor(idle),
      rotting: limit !== undefined && (deal.status ?? 'open') === 'open' && idle > limit,
      pending: pending?.has(deal.id) ?? false,
      ...(closed ? { closed } : {}),
      ...(closedAt ? { closedAt } : {}),
    };
    const before = previousCards.get(deal);
    column.push(before && sameCard(before, shown) ? before : { deal, ...shown });
  }
  const previousColumns = new Map((input.previous ?? []).map((column) => [column.stage, column]));
  return pipeline.stages.map((stage) => {
    const cards = byStage.get(stage.id) ?? [];
    const before = previousColumns.get(stage);
    if (before && before.cards.length === cards.length && before.cards.every((card, index) => card === cards[index])) {
      return before;
    }
    const sums = new Map<string, number>();
    for (const card of cards) {
      const { currency, amountMinor } = card.deal.amount;
      sums.set(currency, (sums.get(currency) ?? 0) + amountMinor);
    }
    const totals = [...sums]
      .map(([currency, amountMinor]) => ({ currency, amountMinor }))
      .sort((a, b) => b.amountMinor - a.amountMinor || (a.currency < b.currency ? -1 : 1));
    const weighted = totals.map((total) => ({
      currency: total.currency,
      amountMinor: Math.round(total.amountMinor * stage.probability),
    }));
    return { stage, cards, totals, weighted };
  });
}

function matchesText(text: string, locale: string | undefined, ...values: string[]): boolean {
  return values.some((value) => value !== '' && value.toLocaleLowerCase(locale).includes(text));
}

const collators = new Map<string, Intl.Collator>();

function collatorFor(locale: string): Intl.Collator {
  let collator = collators.get(locale);
  if (!collator) collators.set(locale, (collator = new Intl.Collator(locale)));
  return collator;
}

/** The distinct owners and sources of the deals, for the filter menus, sorted by label. */
export function filterOptions(
  deals: readonly BoardDeal[],
  ownerNames: Readonly<Record<string, string>>,
  locale: string,
): { owners: { id: string; name: string }[]; sources: string[] } {
  const owners = new Set<string>();
  const sources = new Set<string>();
  for (const deal of deals) {
    if (deal.ownerId !== undefined) owners.add(deal.ownerId);
    if (deal.source !== undefined) sources.add(deal.source);
  }
  const collator = collatorFor(locale);
  return {
    owners: [...owners]
      .map((id) => ({ id, name: ownerNames[id] ?? id }))
      .sort((a, b) => collator.compare(a.name, b.name)),
    sources: [...sources].sort(collator.compare),
  };
}

/** Where a card is: its column and position, or `undefined` when it is not shown. */
export function locateCard(
  columns: readonly BoardColumn[],
  dealId: string,
): { column: number; index: number } | undefined {
  for (let column = 0; column < columns.length; column++) {
    const index = columns[column]!.cards.findIndex((card) => card.deal.id === dealId);
    if (index >= 0) return { column, index };
  }
  return undefined;
}
