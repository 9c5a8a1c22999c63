import { css } from 'lit';

/**
 * crmkit's design tokens, included first in every element's `static styles`.
 *
 * Theming: a host sets the public `--crm-*` custom properties anywhere above an element — on `:root`, on
 * `<crm-provider>`, on the element itself — and they inherit through shadow roots. Each element resolves them on its
 * `:host` into private `--_crm-*` copies with a default, and its styles read only those copies; so an element never
 * shadows a value the page set, and nothing is styled outside a shadow root.
 *
 * Dark: the defaults follow the inherited `color-scheme` through `light-dark()`. A page that sets
 * `color-scheme: dark` (or `light dark`, following the OS) gets dark defaults; `theme="dark"` or `theme="light"` on
 * any crmkit element — typically the provider — forces one for it and everything below.
 *
 * @cssproperty --crm-font-family - Font of every element; defaults to the page's.
 * @cssproperty --crm-font-size - Base font size; defaults to the page's.
 * @cssproperty --crm-color-text - Body text.
 * @cssproperty --crm-color-text-muted - Secondary text.
 * @cssproperty --crm-color-surface - Backgrounds of cards and panels.
 * @cssproperty --crm-color-border - Borders and dividers.
 * @cssproperty --crm-color-accent - Links, focus rings, selected items.
 * @cssproperty --crm-color-danger - Errors and negative amounts.
 * @cssproperty --crm-color-success - Won deals and confirmations.
 * @cssproperty --crm-space-1 - The smallest gap (4px); `--crm-space-2` (8px), `--crm-space-3` (12px) and `--crm-space-4` (16px) follow.
 * @cssproperty --crm-radius - Corner radius of cards and controls.
 */
export const tokenStyles = css`
  :host {
    --_crm-font-family: var(--crm-font-family, inherit);
    --_crm-font-size: var(--crm-font-size, inherit);
    --_crm-color-text: var(--crm-color-text, light-dark(#1f2328, #e6edf3));
    --_crm-color-text-muted: var(--crm-color-text-muted, light-dark(#59636e, #9198a1));
    --_crm-color-surface: var(--crm-color-surface, light-dark(#ffffff, #151b23));
    --_crm-color-border: var(--crm-color-border, light-dark(#d1d9e0, #3d444d));
    --_crm-color-accent: var(--crm-color-accent, light-dark(#0969da, #4493f8));
    --_crm-color-danger: var(--crm-color-danger, light-dark(#b42318, #f47067));
    --_crm-color-success: var(--crm-color-success, light-dark(#1a7f37, #3fb950));
    --_crm-space-1: var(--crm-space-1, 4px);
    --_crm-space-2: var(--crm-space-2, 8px);
    --_crm-space-3: var(--crm-space-3, 12px);
    --_crm-space-4: var(--crm-space-4, 16px);
    --_crm-radius: var(--crm-radius, 6px);
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([theme='light']) {
    color-scheme: light;
  }
`;
