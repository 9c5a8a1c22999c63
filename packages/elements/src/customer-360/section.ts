/** What the 360° card's section renderers share: what one render shows, in which language, and the section frame. */
import { html, type TemplateResult } from 'lit';
import type { Activity, Customer360, ExchangeRateTable, LifecycleStageDefinition, Task } from '@crmkit/core';
import type { CrmLabelKind, CrmLabels } from '../internal/labels.js';
import type { Customer360Names } from './load.js';

/** One entry of the timeline as shown: an activity, or a task at the instant it was completed. */
export type TimelineEntry =
  | { readonly kind: 'activity'; readonly at: string; readonly activity: Activity }
  | { readonly kind: 'task'; readonly at: string; readonly task: Task };

/** What one render shows, from storage or from the host's `data`. */
export interface Shown {
  readonly view: Customer360;
  readonly names: Customer360Names;
  readonly lifecycleStages: readonly LifecycleStageDefinition[];
  /** The timeline as shown: the first page and every page loaded after it, newest first. */
  readonly activities: readonly Activity[];
  /** Where the next timeline page starts; absent at the end. */
  readonly after?: string;
  /**
   * What the timeline lists: the activities shown and the completed tasks among them (a completed task is its own
   * timeline entry), newest first.
   */
  readonly entries: readonly TimelineEntry[];
}

/** Per-render values every section renderer reads. */
export interface SectionContext {
  readonly shown: Shown;
  readonly locale: string;
  readonly messagesLocale: string;
  readonly timeZone: string | undefined;
  /** Emails, phone numbers and addresses are masked for the acting user. */
  readonly masked: boolean;
  /** The label of a code: the host's labels, then crmkit's shared table. */
  readonly label: (kind: CrmLabelKind, code: string) => string;
  /** The host's own labels, which win over a lifecycle stage's own name. */
  readonly ownLabels: CrmLabels | undefined;
  /** The heading level `depth` below the customer's name. */
  readonly sublevel: (depth: number) => number;
  /** A stored phone number as people write it. */
  readonly phone: (e164: string) => string;
  /** The currency value is totalled in, and the rates converting others into it. */
  readonly currency: string;
  readonly rates: ExchangeRateTable | undefined;
}

/** A section of the card: a heading one level below the name, and its body. */
export function section(context: SectionContext, id: string, title: string, body: TemplateResult): TemplateResult {
  return html`<section part="section ${id}" class="section ${id}" aria-labelledby="heading-${id}">
    <div
      role="heading"
      aria-level=${context.sublevel(1)}
      id="heading-${id}"
      part="section-heading"
      class="section-heading"
      tabindex="-1"
    >
      ${title}
    </div>
    ${body}
  </section>`;
}

/** The "none yet" text of an empty list. */
export function empty(text: string): TemplateResult {
  return html`<p part="empty" class="empty">${text}</p>`;
}

/** A sub-heading two levels below the name, with the group it names. */
export function group(
  context: SectionContext,
  id: string,
  title: unknown,
  body: TemplateResult,
  headingClass = 'sub-heading',
): TemplateResult {
  return html`<div role="group" aria-labelledby=${id} class="group">
    <div role="heading" aria-level=${context.sublevel(2)} id=${id} class=${headingClass}>${title}</div>
    ${body}
  </div>`;
}
