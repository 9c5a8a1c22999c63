/** The 360° card's deals section: open deals with their stage, closed ones with how they closed. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Deal } from '@crmkit/core';
import { formatDay, formatInstant, formatMoneyCached, localized } from '../internal/format.js';
import { customer360Messages as m } from './messages.js';
import { empty, group, type SectionContext } from './section.js';

function dealStage(context: SectionContext, deal: Deal): string {
  const stages = context.shown.names.stages;
  const name = stages[`${deal.pipelineId}/${deal.stageId}`] ?? stages[deal.stageId];
  return localized(name, context.messagesLocale) ?? deal.stageId;
}

function renderDealList(
  deals: readonly Deal[],
  emptyText: string,
  headingId: string,
  context: SectionContext,
): TemplateResult {
  if (deals.length === 0) return empty(emptyText);
  const { locale } = context;
  return html`<ul class="items" aria-labelledby=${headingId}>
    ${deals.map((deal) => {
      const status =
        deal.status === 'won'
          ? html`<span part="badge" class="badge success">${context.label('dealStatus', 'won')}</span>`
          : deal.status === 'lost'
            ? html`<span part="badge" class="badge danger">${context.label('dealStatus', 'lost')}</span>`
            : html`<span part="badge" class="badge">${dealStage(context, deal)}</span>`;
      const when =
        deal.status === 'open'
          ? deal.expectedCloseDate
            ? m.expectedClose(formatDay(deal.expectedCloseDate, locale))
            : ''
          : deal.closedAt
            ? m.closedOn(formatInstant(deal.closedAt, locale, context.timeZone, false))
            : '';
      return html`<li part="deal" class="item" data-deal-id=${deal.id}>
        <div class="item-title">
          <span>${deal.title}</span>
          <span class="number">${formatMoneyCached(deal.amount, locale)}</span>
        </div>
        <div class="muted">${status} ${when}</div>
        ${
          deal.status === 'lost' && deal.lostReason
            ? html`<div class="muted">${m.lostReason(context.label('lostReason', deal.lostReason))}</div>`
            : nothing
        }
      </li>`;
    })}
  </ul>`;
}

export function renderDeals(context: SectionContext): TemplateResult {
  const { deals } = context.shown.view;
  return html`${group(
    context,
    'heading-open-deals',
    m.openDeals(),
    renderDealList(deals.open, m.noOpenDeals(), 'heading-open-deals', context),
  )}
  ${group(
    context,
    'heading-closed-deals',
    m.closedDeals(),
    renderDealList(deals.closed, m.noClosedDeals(), 'heading-closed-deals', context),
  )}`;
}
