/**
 * The `crmkit` command's own failures: a sentence for the operator and the exit code, with nothing else attached
 * (no stack, no token, no record); and reading the JSON files the operator names, whose mistakes are such failures.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';

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

/** A JSON file the operator wrote, parsed; a missing or malformed one is a `CliError` naming it (not quoting it). */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(
      code === 'ENOENT'
        ? `The ${what} file ${file} does not exist.`
        : `Cannot read the ${what} file ${file} (${String(code)}).`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`The ${what} file ${file} is not valid JSON.`);
  }
}
