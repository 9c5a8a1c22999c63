/**
 * Pressing Save blurs the field being edited before the click lands. Showing that field's message at once would push
 * Save down from under the pointer, and the click would miss it; so a field left during a press shows its message
 * once the press is over and its click has been dispatched (a submit shows every message anyway).
 */
export class PressHold {
  /** Fields left while a pointer was pressed in the form: their messages wait until the press is over. */
  private held?: Set<string>;
  private readonly host: HTMLElement;
  private readonly release: (fields: string[]) => void;

  constructor(host: HTMLElement, release: (fields: string[]) => void) {
    this.host = host;
    this.release = release;
  }

  /** True, keeping the field for the press's end, while a pointer is pressed in the form. */
  hold(field: string): boolean {
    this.held?.add(field);
    return this.held !== undefined;
  }

  readonly onPointerDown = (): void => {
    if (this.held) return;
    this.held = new Set();
    const document = this.host.ownerDocument;
    const release = (): void => {
      document.removeEventListener('pointerup', release, true);
      document.removeEventListener('pointercancel', release, true);
      setTimeout(() => {
        const held = [...(this.held ?? [])];
        this.held = undefined;
        this.release(held);
      });
    };
    document.addEventListener('pointerup', release, true);
    document.addEventListener('pointercancel', release, true);
  };
}
