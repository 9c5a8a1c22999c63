import { expect, waitUntil } from '@open-wc/testing';
import React from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { DEFAULT_PIPELINE_ID, type Crm } from '@crmkit/core';
import { CrmCustomer360, CrmLeadForm, CrmMoney, CrmPipelineBoard, CrmProvider } from '@crmkit/elements/react';
import {
  CrmDealMoveEvent,
  CrmDealSelectEvent,
  CrmErrorEvent,
  type BoardDeal,
  type BoardPipeline,
  type CrmMoney as CrmMoneyElement,
  type CrmPipelineBoard as CrmPipelineBoardElement,
  type CrmProvider as CrmProviderElement,
} from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import { NOW, cardOf, crmOver, seedFixture, waitForCards, type Fixture } from './pipeline-board-support.js';

ignoreResizeObserverNotice();

// React reports renders outside `act` unless it is told this is a test environment.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const h = React.createElement;

describe('@crmkit/elements/react', () => {
  let container: HTMLElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });
  afterEach(async () => {
    await React.act(async () => root.unmount());
    document.body.replaceChildren();
  });

  const render = (element: React.ReactElement) => React.act(async () => root.render(element));

  describe('over a CRM', () => {
    let crm: Crm;
    let fixture: Fixture;
    beforeEach(async () => {
      crm = await crmOver();
      fixture = await seedFixture(crm);
    });
    afterEach(() => crm.dispose());

    it('renders the board inside the provider, hands them objects as properties, and calls onDealSelect', async () => {
      const selected: CrmDealSelectEvent[] = [];
      await render(
        h(
          CrmProvider,
          { crm, locale: 'en-US' },
          h(CrmPipelineBoard, {
            pipelineId: DEFAULT_PIPELINE_ID,
            now: NOW,
            onDealSelect: (event) => selected.push(event),
          }),
        ),
      );
      const provider = container.querySelector<CrmProviderElement>('crm-provider')!;
      const board = provider.querySelector<CrmPipelineBoardElement>('crm-pipeline-board')!;
      expect(board).to.be.instanceOf(customElements.get('crm-pipeline-board')!);
      // Objects arrive as properties, never as attributes: React would have stringified them.
      expect(provider.crm).to.equal(crm);
      expect(provider.hasAttribute('crm')).to.equal(false);
      expect(board.now).to.equal(NOW);
      expect(board.pipelineId).to.equal(DEFAULT_PIPELINE_ID);

      await waitUntil(() => board.shownColumns.length > 0, 'the board did not load through the provider', {
        timeout: 5000,
      });
      await waitForCards(board);
      cardOf(board, fixture.deals.Beta)!.querySelector<HTMLElement>('.title')!.click();
      expect(selected).to.have.length(1);
      expect(selected[0]).to.be.instanceOf(CrmDealSelectEvent);
      expect(selected[0]!.detail).to.deep.equal({ dealId: fixture.deals.Beta });
    });

    it('follows a changed prop and a changed handler on re-render, and hears crm-error through the provider', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const errors: CrmErrorEvent[] = [];
      const page = (locale: string, onDealSelect: (event: CrmDealSelectEvent) => void) =>
        h(
          CrmProvider,
          { crm, locale, onError: (event: CrmErrorEvent) => errors.push(event) },
          h(CrmPipelineBoard, { pipelineId: DEFAULT_PIPELINE_ID, now: NOW, onDealSelect }),
        );
      await render(page('en-US', (event) => first.push(event.detail.dealId)));
      const provider = container.querySelector<CrmProviderElement>('crm-provider')!;
      const board = provider.querySelector<CrmPipelineBoardElement>('crm-pipeline-board')!;
      await render(page('zh-CN', (event) => second.push(event.detail.dealId)));
      // The same elements, updated in place.
      expect(container.querySelector('crm-provider')).to.equal(provider);
      expect(provider.locale).to.equal('zh-CN');

      await waitForCards(board);
      cardOf(board, fixture.deals.Gamma)!.querySelector<HTMLElement>('.title')!.click();
      expect(first).to.deep.equal([]);
      expect(second).to.deep.equal([fixture.deals.Gamma]);

      // crm-error bubbles and is composed: the provider's onError hears it from the board inside.
      board.dispatchEvent(new CrmErrorEvent({ error: new Error('boom'), operation: 'query' }));
      expect(errors.map((event) => event.detail.operation)).to.deep.equal(['query']);
    });
  });

  it('works presentationally: pipeline and deals are set as properties, and onDealMove can cancel a move', async () => {
    const pipeline: BoardPipeline = {
      id: 'p',
      name: { en: 'Sales', 'zh-CN': '销售' },
      stages: [
        { id: 'new', name: { en: 'New', 'zh-CN': '新' }, probability: 0.1, kind: 'open' },
        { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
      ],
    };
    const deals: BoardDeal[] = [
      {
        id: 'd1',
        title: 'Lamps',
        customerId: 'c1',
        stageId: 'new',
        amount: { amountMinor: 12_300, currency: 'CNY' },
        stageEnteredAt: NOW.toISOString(),
      },
    ];
    const moves: CrmDealMoveEvent[] = [];
    await render(
      h(CrmPipelineBoard, {
        pipeline,
        deals,
        now: NOW,
        customerNames: { c1: 'Acme' },
        onDealMove: (event) => {
          moves.push(event);
          event.preventDefault();
        },
      }),
    );
    const board = container.querySelector<CrmPipelineBoardElement>('crm-pipeline-board')!;
    expect(board.deals).to.equal(deals);
    expect(board.pipeline).to.equal(pipeline);
    expect(board.presentational).to.equal(true);
    await waitForCards(board);
    expect(cardOf(board, 'd1')).to.not.equal(null);

    const move = new CrmDealMoveEvent({ dealId: 'd1', fromStageId: 'new', toStageId: 'won', via: 'keyboard' });
    board.dispatchEvent(move);
    expect(moves).to.deep.equal([move]);
    expect(move.defaultPrevented).to.equal(true);
  });

  it('maps each crm-* event of every element to its on… prop', async () => {
    const heard: string[] = [];
    const hear = (name: string) => (event: Event) => heard.push(`${name}:${event.type}`);
    await render(
      h(
        'div',
        null,
        h(CrmProvider, { id: 'provider', onLocaleChange: hear('onLocaleChange'), onError: hear('provider.onError') }),
        h(CrmPipelineBoard, {
          id: 'board',
          onDealMove: hear('onDealMove'),
          onDealMoved: hear('onDealMoved'),
          onDealSelect: hear('onDealSelect'),
          onError: hear('board.onError'),
        }),
        h(CrmCustomer360, {
          id: 'card',
          onTaskComplete: hear('onTaskComplete'),
          onTaskCompleted: hear('onTaskCompleted'),
          onTimelineLoadMore: hear('onTimelineLoadMore'),
          onError: hear('card.onError'),
        }),
        h(CrmLeadForm, {
          id: 'form',
          onLeadCaptured: hear('onLeadCaptured'),
          onLeadCaptureFailed: hear('onLeadCaptureFailed'),
          onLeadSubmit: hear('onLeadSubmit'),
          onError: hear('form.onError'),
        }),
      ),
    );
    const fire = (id: string, types: readonly string[]) => {
      const element = container.querySelector(`#${id}`)!;
      for (const type of types) element.dispatchEvent(new Event(type, { bubbles: true, composed: true }));
    };
    fire('provider', ['crm-locale-change', 'crm-error']);
    fire('board', ['crm-deal-move', 'crm-deal-moved', 'crm-deal-select', 'crm-error']);
    fire('card', ['crm-task-complete', 'crm-task-completed', 'crm-timeline-load-more', 'crm-error']);
    fire('form', ['crm-lead-captured', 'crm-lead-capture-failed', 'crm-lead-submit', 'crm-error']);
    expect(heard).to.deep.equal([
      'onLocaleChange:crm-locale-change',
      'provider.onError:crm-error',
      'onDealMove:crm-deal-move',
      'onDealMoved:crm-deal-moved',
      'onDealSelect:crm-deal-select',
      'board.onError:crm-error',
      'onTaskComplete:crm-task-complete',
      'onTaskCompleted:crm-task-completed',
      'onTimelineLoadMore:crm-timeline-load-more',
      'card.onError:crm-error',
      'onLeadCaptured:crm-lead-captured',
      'onLeadCaptureFailed:crm-lead-capture-failed',
      'onLeadSubmit:crm-lead-submit',
      'form.onError:crm-error',
    ]);
  });

  it('renders <crm-money> with numbers set as properties', async () => {
    await render(h(CrmMoney, { amountMinor: 123_456, currency: 'CNY', locale: 'en-US' }));
    const money = container.querySelector<CrmMoneyElement>('crm-money')!;
    await money.updateComplete;
    expect(money.amountMinor).to.equal(123_456);
    const expected = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'CNY' }).format(1234.56);
    expect(money.shadowRoot!.textContent!.trim()).to.equal(expected);
  });
});
