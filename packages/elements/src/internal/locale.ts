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
