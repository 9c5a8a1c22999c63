/**
 * The `crmkit` command's own failures: a sentence for the operator and the exit code, with nothing else attached
 * (no stack, no token, no record).
 *
 * @module
 */

/** Exit codes: 1 for a failure while running, 2 for a command line (or setup) that cannot work. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the command reports as one line and turns into its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}

/** A command line that cannot work: exit code 2. */
export const usageError = (message: string): CliError => new CliError(message, ExitCode.usage);
