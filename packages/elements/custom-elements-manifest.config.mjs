// The custom-elements manifest (custom-elements.json) describes every tag, attribute, property, event, slot, CSS part
// and custom property from the classes' doc comments; Storybook and editors read it, and the docs are built from it.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/bundle.ts'],
  outdir: '.',
  litelement: true,
};
