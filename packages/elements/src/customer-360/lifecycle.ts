/** The 360° card's lifecycle and segments sections. */
import { html, type TemplateResult } from 'lit';
import { formatInstant, localized } from '../internal/format.js';
import { customer360Messages as m } from './messages.js';
import { empty, type SectionContext } from './section.js';

/** A lifecycle stage's name: the host's label, else the stage's own name, else crmkit's shared table. */
export function stageLabel(context: SectionContext, stageId: string): string {
  const stage = context.shown.lifecycleStages.find((candidate) => candidate.id === stageId);
  const own = context.ownLabels;
  if (own?.lifecycleStage && Object.hasOwn(own.lifecycleStage, stageId))
    return context.label('lifecycleStage', stageId);
  return localized(stage?.name, context.messagesLocale) ?? context.label('lifecycleStage', stageId);
}

export function renderLifecycle(context: SectionContext): TemplateResult {
  const { lifecycle } = context.shown.view;
  return html`<dl class="facts">
      <div class="fact">
        <dt>${m.currentStage()}</dt>
        <dd>${stageLabel(context, lifecycle.stage)}</dd>
      </div>
    </dl>
    <div role="heading" aria-level=${context.sublevel(2)} id="heading-history" class="sub-heading">${m.history()}</div>
    ${
      lifecycle.history.length === 0
        ? empty(m.noHistory())
        : html`<ol class="items" aria-labelledby="heading-history">
            ${lifecycle.history.map(
              (change) =>
                html`<li class="item">
                  <div>${m.stageChange(stageLabel(context, change.from), stageLabel(context, change.to))}</div>
                  <div class="muted">
                    <time datetime=${change.at}>${formatInstant(change.at, context.locale, context.timeZone)}</time>
                    · ${context.label('lifecycleRule', change.ruleId)}
                  </div>
                </li>`,
            )}
          </ol>`
    }`;
}

export function renderSegments(context: SectionContext): TemplateResult {
  const { segments } = context.shown.view;
  if (segments.length === 0) return empty(m.noSegments());
  return html`<ul class="chips">
    ${segments.map((segment) => html`<li part="segment" class="chip">${segment.name}</li>`)}
  </ul>`;
}
