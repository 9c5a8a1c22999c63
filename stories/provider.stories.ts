import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { expect, waitFor } from 'storybook/test';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-money';
import type { CrmMoney, CrmProvider } from '@crmkit/elements';

interface ProviderArgs {
  locale: string;
  currency: string;
  timeZone: string;
  theme: 'light' | 'dark';
}

const meta: Meta<ProviderArgs> = {
  title: 'Elements/Provider',
  component: 'crm-provider',
  args: { locale: 'en', currency: 'USD', timeZone: 'UTC', theme: 'light' },
  argTypes: {
    locale: { control: 'select', options: ['en', 'zh-CN', 'de-DE'] },
    currency: { control: 'select', options: ['CNY', 'USD', 'EUR'] },
    theme: { control: 'inline-radio', options: ['light', 'dark'] },
  },
  // The CRM itself is a property (`.crm=${crm}`); the amounts below need only the provider's locale and currency.
  render: (args) => html`
    <crm-provider locale=${args.locale} currency=${args.currency} time-zone=${args.timeZone} theme=${args.theme}>
      <p>
        <crm-money amount-minor="12345678"></crm-money>
        ·
        <crm-money amount-minor="-5000"></crm-money>
      </p>
    </crm-provider>
  `,
};
export default meta;

type Story = StoryObj<ProviderArgs>;

const shown = async (canvasElement: HTMLElement): Promise<string[]> => {
  await canvasElement.querySelector<CrmProvider>('crm-provider')?.updateComplete;
  const amounts = [...canvasElement.querySelectorAll<CrmMoney>('crm-money')];
  await Promise.all(amounts.map((el) => el.updateComplete));
  return amounts.map((el) => (el.shadowRoot?.querySelector('[part~="base"]')?.textContent ?? '').replace(/\s/g, ' '));
};

export const English: Story = {
  play: async ({ canvasElement }) => {
    await waitFor(async () => expect(await shown(canvasElement)).toEqual(['$123,456.78', '-$50']));
  },
};

export const SimplifiedChinese: Story = {
  args: { locale: 'zh-CN', currency: 'CNY', timeZone: 'Asia/Shanghai' },
  play: async ({ canvasElement }) => {
    await waitFor(async () => expect(await shown(canvasElement)).toEqual(['¥123,456.78', '-¥50']));
  },
};

export const Dark: Story = {
  args: { locale: 'de-DE', currency: 'EUR', theme: 'dark' },
  // The provider paints nothing; a dark theme sits on the host page's dark surface.
  decorators: [
    (story) =>
      html`<div style="background: #0d1117; color: #e6edf3; color-scheme: dark; padding: 8px">${story()}</div>`,
  ],
  play: async ({ canvasElement }) => {
    await waitFor(async () => expect(await shown(canvasElement)).toEqual(['123.456,78 €', '-50 €']));
    const money = canvasElement.querySelector<CrmMoney>('crm-money');
    await expect(money && getComputedStyle(money).colorScheme).toBe('dark');
  },
};
