import { msg, str } from '@lit/localize';
import { sourceLabel as sharedSourceLabel, type CrmLabels } from '../internal/labels.js';

/**
 * English has a singular; Chinese does not, so both of its forms read the same. The plural rule is English's because
 * only the English source has two forms.
 */
const english = new Intl.PluralRules('en');
const isOne = (count: number): boolean => english.select(count) === 'one';

/** The pipeline board's strings (ids `crm.board.*`); translations live in `src/locales/`. */
export const boardMessages = {
  boardLabel: (pipeline: string): string => msg(str`Pipeline: ${pipeline}`, { id: 'crm.board.label' }),
  filters: (): string => msg('Filters', { id: 'crm.board.filters' }),
  owner: (): string => msg('Owner', { id: 'crm.board.owner' }),
  anyOwner: (): string => msg('All owners', { id: 'crm.board.any-owner' }),
  source: (): string => msg('Source', { id: 'crm.board.source' }),
  anySource: (): string => msg('All sources', { id: 'crm.board.any-source' }),
  search: (): string => msg('Search deals', { id: 'crm.board.search' }),
  /** `count` picks the English singular; `formatted` is the number as shown (`1,234`). */
  dealCount: (count: number, formatted: string): string =>
    isOne(count)
      ? msg(str`${formatted} deal`, { id: 'crm.board.deal-count-one' })
      : msg(str`${formatted} deals`, { id: 'crm.board.deal-count' }),
  total: (): string => msg('Total', { id: 'crm.board.total' }),
  weighted: (): string => msg('Weighted', { id: 'crm.board.weighted' }),
  convertedAt: (day: string): string =>
    msg(str`converted at exchange rates of ${day}`, { id: 'crm.board.converted-at' }),
  columnLabel: (stage: string, count: number, formatted: string): string =>
    isOne(count)
      ? msg(str`${stage}, ${formatted} deal`, { id: 'crm.board.column-label-one' })
      : msg(str`${stage}, ${formatted} deals`, { id: 'crm.board.column-label' }),
  emptyColumn: (): string => msg('No deals', { id: 'crm.board.empty-column' }),
  noPipeline: (): string => msg('This pipeline does not exist.', { id: 'crm.board.no-pipeline' }),
  emptyBoard: (): string =>
    msg('No deals in this pipeline yet. Convert a lead or create a deal, and it appears here.', {
      id: 'crm.board.empty-board',
    }),
  noMatches: (): string =>
    msg('No deal matches the filters. Clear them to see every deal.', { id: 'crm.board.no-matches' }),
  daysInStage: (days: number): string => msg(str`${days} d in stage`, { id: 'crm.board.days-in-stage' }),
  wonOn: (day: string): string => msg(str`Won ${day}`, { id: 'crm.board.won-on' }),
  lostOn: (day: string): string => msg(str`Lost ${day}`, { id: 'crm.board.lost-on' }),
  reopen: (): string => msg('Reopen…', { id: 'crm.board.reopen' }),
  rotting: (): string => msg('Rotting', { id: 'crm.board.rotting' }),
  moveTo: (): string => msg('Move to…', { id: 'crm.board.move-to' }),
  cancel: (): string => msg('Cancel', { id: 'crm.board.cancel' }),
  moved: (deal: string, stage: string): string => msg(str`Moved “${deal}” to ${stage}.`, { id: 'crm.board.moved' }),
  moving: (deal: string, stage: string): string => msg(str`Moving “${deal}” to ${stage}…`, { id: 'crm.board.moving' }),
  moveFailed: (deal: string): string =>
    msg(str`Could not move “${deal}”; it is back in its stage.`, { id: 'crm.board.move-failed' }),
  moveConflict: (deal: string): string =>
    msg(str`“${deal}” was changed elsewhere; the board shows the latest version. Try again.`, {
      id: 'crm.board.move-conflict',
    }),
};

/**
 * A source's label in the current message language, from the shared label table (`crmLabel('source', …)`, with the
 * host's `labels`); a source it does not know reads as words (`tiktok_live` → `Tiktok live`).
 */
export function sourceLabel(source: string, labels?: CrmLabels): string {
  return sharedSourceLabel(source, labels);
}
