import { ContextRoot } from '@lit/context';

const rootKey = Symbol.for('crmkit.context-root');

/**
 * Elements upgraded before their provider (the tags register in any order, or the provider is added later) ask for
 * the context too early; a context root on the document keeps those requests and answers them once a provider
 * connects. It is attached before the first crmkit tag registers, once per page even with two copies of crmkit.
 */
function ensureContextRoot(): void {
  if (typeof document === 'undefined') return;
  const marker = document as unknown as { [rootKey]?: ContextRoot };
  if (marker[rootKey]) return;
  marker[rootKey] = new ContextRoot();
  marker[rootKey].attach(document.documentElement);
}

/**
 * Registers a custom element unless the tag is already taken. Two copies of crmkit on one page (say, the embed bundle
 * and an npm install) must not throw `NotSupportedError` at each other.
 */
export function defineElement(tag: string, constructor: CustomElementConstructor): void {
  ensureContextRoot();
  if (!customElements.get(tag)) customElements.define(tag, constructor);
}
