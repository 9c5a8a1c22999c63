// A few lines instead of a framework: the intranet builds its own DOM with createElement and text nodes only, so it
// runs under a strict Content Security Policy (no innerHTML, no eval, Trusted Types friendly) — like crmkit itself.

/** What may go inside an element: nodes, text (set as text, never parsed), or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes to set (`true` sets an empty one, `false`/`undefined` leaves it out) and listeners to add. */
export interface Props {
  readonly [attribute: string]:
    string | number | boolean | undefined | EventListener | Readonly<Record<string, string>>;
}

/**
 * Creates an element: `h('td', { 'data-metric': 'won' }, '12')`. Keys starting with `on` add listeners
 * (`onclick`); `dataset` sets `data-*` attributes; everything else is an attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (typeof value === 'object') {
      for (const [name, data] of Object.entries(value)) element.dataset[name] = data;
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  element.append(...nodes(children));
  return element;
}

/** Replaces an element's content with the given children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...nodes(children));
}

function nodes(children: readonly Child[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    out.push(typeof child === 'number' ? String(child) : child);
  }
  return out;
}

/** The element with this id; throws when the page lacks it (a broken template, not a runtime condition). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}
