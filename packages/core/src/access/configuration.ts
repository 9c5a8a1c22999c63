/**
 * Configuration services (pipelines and their gates, custom fields, users, teams) checked for the `configure`
 * capability before anything else: an actor without it gets `PermissionError` naming the action, whatever input they
 * sent. The guarded port refuses their writes too; this makes the refusal come first and say what was refused.
 */
import type { Guard } from './guard.js';

/** `service` with each method named in `writes` first requiring `configure`; `name` prefixes the action. */
export function configurationOnly<S extends object>(
  guard: Guard,
  service: S,
  name: string,
  writes: readonly (keyof S & string)[],
): S {
  const checked = { ...service } as Record<string, unknown>;
  for (const method of writes) {
    const run = service[method] as unknown as (...args: unknown[]) => Promise<unknown>;
    checked[method] = async (...args: unknown[]) => {
      await guard.require('configure', `${name}.${method}`);
      return run.apply(service, args);
    };
  }
  return checked as S;
}
