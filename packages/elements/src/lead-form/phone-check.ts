/**
 * Loading the phone rules on demand for a form, as a reactive controller: the first number typed loads them (about
 * 40 kB gzip, once per page), and the host validates again once they are in. Until then the number is not judged.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { loadNormaliser } from '../internal/phone.js';

export class PhoneCheckController implements ReactiveController {
  /** The phone text whose check could not load the rules: it is left to the schema (and the CRM), not retried. */
  failedFor?: string;

  private readonly host: ReactiveControllerHost;
  /** The rules loading (resolves once the host has been asked to validate again), or `undefined`. */
  private loading?: Promise<void>;

  constructor(host: ReactiveControllerHost) {
    this.host = host;
    host.addController(this);
  }

  hostDisconnected(): void {
    // A load in flight finishes and asks for an update; there is nothing to cancel.
  }

  /** Loads the rules for `text` unless they are loading already; the host updates once they have. */
  check(text: string): void {
    if (this.loading) return;
    this.loading = loadNormaliser()
      .then(
        () => undefined,
        () => {
          this.failedFor = text;
        },
      )
      .finally(() => {
        this.loading = undefined;
        this.host.requestUpdate();
      });
  }

  /**
   * Waits for the rules and the update they ask for, as often as a load is in flight: a host's `getUpdateComplete`
   * returns this so `updateComplete` means "rendered with the phone number checked".
   */
  async updateComplete(rendered: () => Promise<boolean>): Promise<boolean> {
    let result = await rendered();
    while (this.loading) {
      await this.loading;
      result = await rendered();
    }
    return result;
  }
}
