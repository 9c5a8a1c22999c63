// The custom-elements manifest (custom-elements.json) describes every tag, attribute, property, event, slot, CSS part
// and custom property from the classes' doc comments; Storybook and editors read it, and the docs are built from it.

/**
 * Every event an element fires is named in its doc header (`@event crm-… - …`). The analyzer also records each
 * `dispatchEvent(new SomeEvent(…))` it sees, without a name, since the type string lives in the event class: those
 * nameless duplicates would show as blank rows in Storybook and the component pages, so they are dropped.
 */
const namedEventsOnly = {
  name: 'crmkit-named-events-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules ?? []) {
      for (const declaration of module.declarations ?? []) {
        if (Array.isArray(declaration.events)) {
          declaration.events = declaration.events.filter((event) => typeof event.name === 'string' && event.name);
        }
      }
    }
  },
};

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/bundle.ts'],
  outdir: '.',
  litelement: true,
  plugins: [namedEventsOnly],
};
