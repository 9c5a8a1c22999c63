/**
 * Says `message` in the live region of an element's shadow root: an element rendering no content into it (class
 * `announcement`, `role="status"`). Written straight into the region rather than through a reactive property, so an
 * announcement does not cost a second render of the whole element; Lit owns nothing inside it, so nothing
 * overwrites it. Cleared first and set in a later task, so announcing the same sentence twice is still heard.
 */
export function announce(root: ParentNode, message: string): void {
  const region = root.querySelector<HTMLElement>('.announcement');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => {
    region.textContent = message;
  }, 0);
}
