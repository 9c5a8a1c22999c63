// The three widgets in one React page, through the wrappers in `@crmkit/elements/react`: props are set on the
// elements as properties, and every `crm-*` event is an `on…` prop typed with its event class.
import { useCallback, useEffect, useState } from 'react';
import type { Crm, Deal } from '@crmkit/core';
import { DEMO_PIPELINE_ID } from '@crmkit/core/testing';
import type { CrmDealSelectEvent, CrmErrorEvent, CrmLeadCapturedEvent } from '@crmkit/elements';
import { CrmCustomer360, CrmLeadForm, CrmMoney, CrmPipelineBoard, CrmProvider } from '@crmkit/elements/react';
import { crmReady, loadDemoData } from './crm';
import { STRINGS, initialLocale, type Locale, type Status } from './strings';

export function App() {
  const [crm, setCrm] = useState<Crm>();
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [selected, setSelected] = useState<Deal>();
  const t = STRINGS[locale];

  useEffect(() => {
    let live = true;
    crmReady.then(
      (opened) => {
        if (!live) return;
        setCrm(opened);
        setStatus({ kind: 'ready' });
      },
      (error: unknown) => {
        console.error(error);
        if (live) setStatus({ kind: 'failed' });
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const fail = useCallback((error: unknown) => {
    console.error(error);
    setStatus({ kind: 'failed' });
  }, []);

  // A card opened on the board: show that deal's customer in the 360° card.
  const onDealSelect = useCallback(
    (event: CrmDealSelectEvent) => {
      crm?.deals.get(event.detail.dealId).then(setSelected, fail);
    },
    [crm, fail],
  );

  // The form stored a lead (its event carries ids only). This host converts every lead at once — a real sales desk
  // would qualify it first — and the new deal appears on the board through the storage change feed.
  const onLeadCaptured = useCallback(
    (event: CrmLeadCapturedEvent) => {
      if (!crm) return;
      (async () => {
        const lead = await crm.leads.get(event.detail.leadId);
        const { deal } = await crm.leads.convert(lead.id, {
          pipelineId: DEMO_PIPELINE_ID,
          deal: { title: t.leadDeal(lead.company ?? lead.name) },
        });
        setSelected(deal);
        setStatus({ kind: 'converted', title: deal.title });
      })().catch(fail);
    },
    [crm, t, fail],
  );

  const onError = useCallback((event: CrmErrorEvent) => console.error(event.detail.operation, event.detail.error), []);

  const reset = () => {
    setSelected(undefined);
    loadDemoData().then(() => setStatus({ kind: 'ready' }), fail);
  };

  return (
    <>
      <header>
        <h1>{t.title}</h1>
        <label>
          {t.language}{' '}
          <select value={locale} onChange={(event) => setLocale(event.target.value as Locale)}>
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
        <button type="button" onClick={reset} disabled={!crm}>
          {t.reset}
        </button>
      </header>
      <p role="status" aria-live="polite">
        {t.status(status)}
      </p>
      <CrmProvider crm={crm} locale={locale} currency="CNY" timeZone="Asia/Shanghai" onError={onError}>
        <main>
          <section className="board" aria-labelledby="pipeline-heading">
            <h2 id="pipeline-heading">{t.pipeline}</h2>
            <CrmPipelineBoard pipelineId={DEMO_PIPELINE_ID} headingLevel={3} onDealSelect={onDealSelect} />
          </section>
          <section aria-labelledby="customer-heading">
            <h2 id="customer-heading">{t.customer}</h2>
            {selected ? (
              <>
                <p>
                  {t.selectedDeal} {selected.title}{' '}
                  <CrmMoney amountMinor={selected.amount.amountMinor} currency={selected.amount.currency} />
                </p>
                <CrmCustomer360 customerId={selected.customerId} headingLevel={3} />
              </>
            ) : (
              <p>{t.selectDeal}</p>
            )}
          </section>
          <section aria-labelledby="lead-heading">
            <h2 id="lead-heading">{t.newLead}</h2>
            <CrmLeadForm
              fields={['name', 'company', 'email', 'phone', 'message']}
              defaultCountry="CN"
              source="website"
              headingLevel={3}
              onLeadCaptured={onLeadCaptured}
            />
          </section>
        </main>
      </CrmProvider>
    </>
  );
}
