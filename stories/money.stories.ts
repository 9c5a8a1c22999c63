import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { expect } from 'storybook/test';
import '@crmkit/elements/crm-money';
import type { CrmMoney } from '@crmkit/elements';

interface MoneyArgs {
  amountMinor: number;
  currency: string;
  locale: string;
  currencyDisplay: 'symbol' | 'code' | 'name';
  minorUnits: 'auto' | 'always' | 'never';
}

const meta: Meta<MoneyArgs> = {
  title: 'Elements/Money',
  component: 'crm-money',
  args: { amountMinor: 12345678, currency: 'CNY', locale: 'zh-CN', currencyDisplay: 'symbol', minorUnits: 'auto' },
  argTypes: {
    currency: { control: 'select', options: ['CNY', 'USD', 'EUR', 'JPY', 'KWD'] },
    locale: { control: 'select', options: ['en', 'zh-CN', 'de-DE', 'ja-JP'] },
    currencyDisplay: { control: 'inline-radio', options: ['symbol', 'code', 'name'] },
    minorUnits: { control: 'inline-radio', options: ['auto', 'always', 'never'] },
  },
  render: (args) => html`
    <crm-money
      amount-minor=${args.amountMinor}
      currency=${args.currency}
      locale=${args.locale}
      currency-display=${args.currencyDisplay}
      minor-units=${args.minorUnits}
    ></crm-money>
  `,
};
export default meta;

type Story = StoryObj<MoneyArgs>;

const shown = (canvasElement: HTMLElement): string => {
  const el = canvasElement.querySelector<CrmMoney>('crm-money');
  return el?.shadowRoot?.querySelector('[part~="base"]')?.textContent ?? '';
};

const settle = async (canvasElement: HTMLElement) => {
  await canvasElement.querySelector<CrmMoney>('crm-money')?.updateComplete;
};

export const Yuan: Story = {
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement)).toBe('¥123,456.78');
  },
};

export const Dollars: Story = {
  args: { currency: 'USD', locale: 'en', amountMinor: 99900 },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement)).toBe('$999');
  },
};

export const Negative: Story = {
  args: { amountMinor: -5000, currency: 'EUR', locale: 'de-DE' },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    const base = canvasElement.querySelector<CrmMoney>('crm-money')?.shadowRoot?.querySelector('[part~="base"]');
    await expect(base?.getAttribute('part')).toBe('base negative');
  },
};

export const CurrencyName: Story = {
  args: { currencyDisplay: 'name', locale: 'en', amountMinor: 100 },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement)).toBe('1 Chinese yuan');
  },
};

/** A whole amount reads as whole units: no `.00` on a million yuan. */
export const WholeAmount: Story = {
  args: { amountMinor: 152_100_000, locale: 'en' },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement).replace(/\s/g, ' ')).toBe('CN¥1,521,000');
  },
};

/** The same amount in Chinese. */
export const WholeAmountChinese: Story = {
  args: { amountMinor: 152_100_000, locale: 'zh-CN' },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement)).toBe('¥1,521,000');
  },
};

/** `minor-units="always"`: exact minor units on every amount, as a quote or an invoice shows them. */
export const AlwaysMinorUnits: Story = {
  args: { amountMinor: 152_100_000, locale: 'zh-CN', minorUnits: 'always' },
  play: async ({ canvasElement }) => {
    await settle(canvasElement);
    await expect(shown(canvasElement)).toBe('¥1,521,000.00');
  },
};
