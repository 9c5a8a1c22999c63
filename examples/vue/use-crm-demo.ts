// The page's state and the handlers of the widgets' events, in TypeScript that `npm run typecheck` checks (App.vue's
// template only binds them).
import { computed, markRaw, onBeforeUnmount, ref, shallowRef, watchEffect } from 'vue';
import type { Crm, Deal } from '@crmkit/core';
import { DEMO_PIPELINE_ID } from '@crmkit/core/testing';
import type { CrmDealSelectEvent, CrmErrorEvent, CrmLeadCapturedEvent } from '@crmkit/elements';
import { crmReady, loadDemoData } from './crm';
import { STRINGS, initialLocale, type Locale, type Status } from './strings';

/** The lead form's fields, handed to it as a property. */
const LEAD_FIELDS: readonly string[] = ['name', 'company', 'email', 'phone', 'message'];

export function useCrmDemo() {
  // Shallow refs: the CRM and its records go to the elements as they are, never wrapped in Vue's reactive proxies.
  const crm = shallowRef<Crm>();
  const locale = ref<Locale>(initialLocale());
  const status = shallowRef<Status>({ kind: 'loading' });
  const selected = shallowRef<Deal>();
  const t = computed(() => STRINGS[locale.value]);

  const fail = (error: unknown) => {
    console.error(error);
    status.value = { kind: 'failed' };
  };

  let live = true;
  onBeforeUnmount(() => {
    live = false;
  });
  crmReady.then((opened) => {
    if (!live) return;
    crm.value = markRaw(opened);
    status.value = { kind: 'ready' };
  }, fail);

  watchEffect(() => {
    document.documentElement.lang = locale.value;
  });

  /** A card opened on the board: show that deal's customer in the 360° card. */
  const onDealSelect = (event: CrmDealSelectEvent) => {
    crm.value?.deals.get(event.detail.dealId).then((deal) => {
      selected.value = deal;
    }, fail);
  };

  /**
   * The form stored a lead (its event carries ids only). This host converts every lead at once — a real sales desk
   * would qualify it first — and the new deal appears on the board through the storage change feed.
   */
  const onLeadCaptured = (event: CrmLeadCapturedEvent) => {
    const current = crm.value;
    if (!current) return;
    (async () => {
      const lead = await current.leads.get(event.detail.leadId);
      const { deal } = await current.leads.convert(lead.id, {
        pipelineId: DEMO_PIPELINE_ID,
        deal: { title: t.value.leadDeal(lead.company ?? lead.name) },
      });
      selected.value = deal;
      status.value = { kind: 'converted', title: deal.title };
    })().catch(fail);
  };

  const onError = (event: CrmErrorEvent) => console.error(event.detail.operation, event.detail.error);

  const reset = () => {
    selected.value = undefined;
    loadDemoData().then(() => {
      status.value = { kind: 'ready' };
    }, fail);
  };

  return {
    crm,
    locale,
    status,
    selected,
    t,
    pipelineId: DEMO_PIPELINE_ID,
    leadFields: LEAD_FIELDS,
    onDealSelect,
    onLeadCaptured,
    onError,
    reset,
  };
}
