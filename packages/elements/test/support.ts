/**
 * Shared set-up of the element tests.
 *
 * "ResizeObserver loop completed with undelivered notifications" is a notice, not an error: the browser reports that
 * it deferred a resize notification to the next frame, which is what a virtualised list does when measuring its
 * cards changes its own size. The test framework fails a test on any window error, so this notice (and only it) is
 * stopped before it reaches the framework's handler.
 */
export function ignoreResizeObserverNotice(): void {
  window.addEventListener(
    'error',
    (event) => {
      if (typeof event.message === 'string' && event.message.startsWith('ResizeObserver loop')) {
        event.stopImmediatePropagation();
        event.preventDefault();
      }
    },
    { capture: true },
  );
}
