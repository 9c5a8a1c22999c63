import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html, nothing, type TemplateResult } from 'lit';
import { expect, fn, userEvent, waitFor } from 'storybook/test';
import { ConflictError, createCrm, createMemoryStorage, type Crm } from '@crmkit/core';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-lead-convert';
import { setCrmLocale } from '@crmkit/elements';
import type { CrmLeadConvert } from '@crmkit/elements/crm-lead-convert';
import type { CrmLeadConvertFailedEvent, CrmLeadConvertedEvent } from '../packages/elements/src/lead-convert/events.js';

interface LeadConvertArgs {
  /** `currencies`: offered besides the provider's CNY. */
  currencies: string;
  theme?: 'light' | 'dark';
  onConverted: (event: CrmLeadConvertedEvent) => void;
  onConvertFailed: (event: CrmLeadConvertFailedEvent) => void;
}

/** What the loaders hand the render and play functions: the CRM, and the lead to convert. */
interface Loaded {
  crm: Crm;
  leadId: string;
  /** The users by first name. */
  users: Record<'ada' | 'wang' | 'li', string>;
}

type Context = StoryContext<LeadConvertArgs>;
const loadedOf = (context: Pick<Context, 'loaded'>): Loaded => context.loaded as Loaded;
const localeOf = (context: Pick<Context, 'globals'>): string => String(context.globals['locale'] ?? 'en');

const made: Crm[] = [];

/**
 * A CRM over memory storage acting as the admin Ada, with two reps, and a lead from a trade show that assignment gave
 * to Wang Fang. The pipeline is the built-in one: its proposal stage needs a close date and an amount above zero.
 */
async function storyData(): Promise<Loaded> {
  const storage = createMemoryStorage();
  const setup = await createCrm({ storage, actor: { id: 'usr-setup', role: 'admin' } });
  const ada = (await setup.users.create({ name: 'Ada Admin', email: 'ada@example.com', role: 'admin' })).id;
  const wang = (await setup.users.create({ name: 'Wang Fang', email: 'wang@example.com' })).id;
  const li = (await setup.users.create({ name: 'Li Na', email: 'li@example.com' })).id;
  setup.dispose();
  const crm = await createCrm({ storage, actor: { id: ada, role: 'admin' } });
  made.push(crm);
  const lead = await crm.leads.create({
    name: 'Mei Lin',
    company: 'Aurora Harbour Hotels',
    email: 'mei.lin@aurora.example',
    source: 'trade_show',
    ownerId: wang,
  });
  return { crm, leadId: lead.id, users: { ada, wang, li } };
}

function renderWithCrm(args: LeadConvertArgs, context: Context): TemplateResult {
  const { crm, leadId } = loadedOf(context);
  return html`<crm-provider .crm=${crm} locale=${localeOf(context)} currency="CNY" theme=${args.theme ?? nothing}>
    <crm-lead-convert
      lead-id=${leadId}
      currencies=${args.currencies}
      @crm-lead-converted=${args.onConverted}
      @crm-lead-convert-failed=${args.onConvertFailed}
    ></crm-lead-convert>
  </crm-provider>`;
}

const meta: Meta<LeadConvertArgs> = {
  title: 'Elements/Lead convert',
  component: 'crm-lead-convert',
  args: {
    currencies: 'CNY,USD',
    onConverted: fn(),
    onConvertFailed: fn(),
  },
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    onConverted: { description: '`crm-lead-converted`', table: { category: 'events' } },
    onConvertFailed: { description: '`crm-lead-convert-failed`', table: { category: 'events' } },
  },
  // `@lit/localize` keeps one message locale per page: follow the toolbar, whatever the story before left behind.
  loaders: [async (context) => void (await setCrmLocale(localeOf(context))), async () => storyData()],
  beforeEach: () => () => {
    for (const crm of made.splice(0)) crm.dispose();
  },
  render: renderWithCrm,
};
export default meta;

type Story = StoryObj<LeadConvertArgs>;

// ——— helpers for the play functions ———

async function elementIn(canvasElement: HTMLElement): Promise<CrmLeadConvert> {
  const element = canvasElement.querySelector('crm-lead-convert');
  if (!element) throw new Error('no <crm-lead-convert> in the story');
  await waitFor(() => expect(element.shadowRoot?.querySelector('form')).not.toBeNull());
  return element;
}

const shadow = (element: CrmLeadConvert): ShadowRoot => element.shadowRoot!;
const text = (node: Element | null | undefined): string => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const control = <T extends HTMLElement = HTMLInputElement>(element: CrmLeadConvert, field: string): T =>
  shadow(element).querySelector<T>(`#c-${field}`)!;
const partText = (element: CrmLeadConvert, part: string): string =>
  text(shadow(element).querySelector(`[part~="${part}"]`));
const summaryItems = (element: CrmLeadConvert): string[] =>
  [...shadow(element).querySelectorAll('[part~="summary"] li')].map((item) => text(item));
const submit = (element: CrmLeadConvert) =>
  userEvent.click(shadow(element).querySelector<HTMLButtonElement>('[part~="submit"]')!);

/** Types the amount and the close date the proposal stage's gate needs. */
async function fillGateFields(element: CrmLeadConvert): Promise<void> {
  await userEvent.type(control(element, 'amount'), '268000');
  await userEvent.type(control(element, 'expectedCloseDate'), '2030-06-30');
  await userEvent.tab();
  await element.updateComplete;
}

// ——— stories ———

/**
 * The lead as loaded: the title from its company, the first open stage, and the owner it will get — Wang Fang, whom
 * assignment gave the lead — named under the select. The close date and amount are marked required because the next
 * stage, Quote / proposal, needs them.
 */
export const Default: Story = {
  play: async ({ canvasElement, loaded }) => {
    const { users } = loadedOf({ loaded });
    const element = await elementIn(canvasElement);
    await expect(control(element, 'title').value).toBe('Aurora Harbour Hotels');
    await expect(control<HTMLSelectElement>(element, 'ownerId').value).toBe(users.wang);
    await expect(partText(element, 'owner-hint')).toBe('The deal goes to Wang Fang, who owns the lead.');
    await expect([...shadow(element).querySelectorAll('[part~="label"]')].map(text)).toEqual([
      'Deal title *',
      'Amount *',
      'Currency',
      'Expected close date *',
      'Stage',
      'Owner',
    ]);
  },
};

/** Submitted without what the next stage's gate needs: the summary lists it, takes focus, and nothing is converted. */
export const GateFieldsMissing: Story = {
  play: async ({ canvasElement, args }) => {
    const element = await elementIn(canvasElement);
    await submit(element);
    await waitFor(() =>
      expect(summaryItems(element)).toEqual([
        'Amount: Moving on to Quote / proposal needs this field.',
        'Expected close date: Moving on to Quote / proposal needs this field.',
      ]),
    );
    await waitFor(() => expect(shadow(element).activeElement?.classList.contains('summary')).toBe(true));
    await expect(args.onConverted).not.toHaveBeenCalled();
  },
};

/** Another rep chosen as the owner: the line under the select follows, and the deal goes to her. */
export const OwnerChanged: Story = {
  play: async ({ canvasElement, args, loaded }) => {
    const { crm, users } = loadedOf({ loaded });
    const element = await elementIn(canvasElement);
    await userEvent.selectOptions(control<HTMLSelectElement>(element, 'ownerId'), users.li);
    await waitFor(() => expect(partText(element, 'owner-hint')).toBe('The deal goes to Li Na.'));
    await fillGateFields(element);
    await submit(element);
    await waitFor(() => expect(args.onConverted).toHaveBeenCalledTimes(1));
    const { dealId, ownerId } = (args.onConverted as ReturnType<typeof fn>).mock.calls[0]![0].detail;
    await expect(ownerId).toBe(users.li);
    await expect((await crm.deals.get(dealId)).ownerId).toBe(users.li);
  },
};

/** Converted: `crm-lead-converted` (ids only), and the element says where the deal is and whose it is. */
export const Converted: Story = {
  play: async ({ canvasElement, args, loaded }) => {
    const { crm } = loadedOf({ loaded });
    const element = await elementIn(canvasElement);
    await fillGateFields(element);
    await expect(text(shadow(element).querySelector('#c-amount-hint'))).toBe('Saved as CN¥268,000.');
    await submit(element);
    await waitFor(() =>
      expect(partText(element, 'status')).toBe(
        'Converted: the deal “Aurora Harbour Hotels” is in Opportunity, owned by Wang Fang.',
      ),
    );
    const { dealId } = (args.onConverted as ReturnType<typeof fn>).mock.calls[0]![0].detail;
    // The new deal's first move forward is not refused by the proposal stage's gate.
    const deal = await crm.deals.get(dealId);
    await expect((await crm.deals.moveToStage(dealId, 'proposal', { expectedVersion: deal.version })).stageId).toBe(
      'proposal',
    );
  },
};

/** Someone changed the lead meanwhile: the element says so, shows the lead as it now is and keeps what was typed. */
export const Conflict: Story = {
  loaders: [
    async () => {
      const data = await storyData();
      data.crm.leads.convert = (id) => Promise.reject(new ConflictError('leads', id, 1, 2));
      return data;
    },
  ],
  play: async ({ canvasElement, args }) => {
    const element = await elementIn(canvasElement);
    await fillGateFields(element);
    await submit(element);
    await waitFor(() =>
      expect(partText(element, 'message')).toBe(
        'Someone changed this lead meanwhile. Its latest details are shown: check them and convert again.',
      ),
    );
    await expect(args.onConvertFailed).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ code: 'CRM_CONFLICT' }) }),
    );
    await expect(control(element, 'amount').value).toBe('268000');
  },
};

/** The toolbar's locale set to 简体中文: labels, the owner line, the gate's problems and money in Chinese. */
export const SimplifiedChinese: Story = {
  tags: ['!autodocs'],
  globals: { locale: 'zh-CN' },
  play: async ({ canvasElement }) => {
    const element = await elementIn(canvasElement);
    await waitFor(() => expect(partText(element, 'owner-hint')).toBe('商机将交给线索负责人 Wang Fang。'));
    await submit(element);
    await waitFor(() =>
      expect(summaryItems(element)).toEqual([
        '金额：推进到“报价/提案”阶段需要填写此项。',
        '预计成交日期：推进到“报价/提案”阶段需要填写此项。',
      ]),
    );
  },
};

/** `theme="dark"` on the provider, on a dark host page, with the gate's problems shown. */
export const Dark: Story = {
  args: { theme: 'dark' },
  decorators: [
    (story) =>
      html`<div style="background: #0d1117; color: #e6edf3; color-scheme: dark; padding: 8px">${story()}</div>`,
  ],
  play: async ({ canvasElement }) => {
    const element = await elementIn(canvasElement);
    await expect(getComputedStyle(element).colorScheme).toBe('dark');
    await submit(element);
    await waitFor(() => expect(summaryItems(element).length).toBe(2));
  },
};
