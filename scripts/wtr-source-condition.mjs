// A module resolution hook (registered with `node:module`'s `register`) that adds the `@crmkit/source` export
// condition, so the browser test runner's Node process loads the workspace packages from their TypeScript sources
// (with tsx), as the Node tests do with `--conditions=@crmkit/source`: no build is needed, and no stale dist/ is run.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@crmkit/source')
    ? context.conditions
    : [...context.conditions, '@crmkit/source'];
  return nextResolve(specifier, { ...context, conditions });
}
