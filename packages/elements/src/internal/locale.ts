/**
 * The locale an element renders in when none is set on it: the nearest `lang` attribute up the tree (crossing
 * shadow roots), then the document's, then the browser's.
 */
export function inheritedLocale(element: Element): string {
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node.hasAttribute('lang')) {
      const lang = node.getAttribute('lang');
      if (lang) return lang;
    }
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null);
  }
  return navigator.language || 'en';
}

/**
 * The locale an element formats in: its own `locale`, else its provider's, else the nearest `lang` (see
 * {@link inheritedLocale}).
 */
export function elementLocale(
  element: Element & { readonly locale?: string | undefined },
  providerLocale?: string,
): string {
  return element.locale || providerLocale || inheritedLocale(element);
}
