/**
 * Registers a custom element unless the tag is already taken. Two copies of crmkit on one page (say, the embed bundle
 * and an npm install) must not throw `NotSupportedError` at each other.
 */
export function defineElement(tag: string, constructor: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, constructor);
}
