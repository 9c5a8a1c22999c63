/**
 * The `crmkit` command line: `node:util`'s `parseArgs`, strict, turned into {@link ServeOptions}. Anything it cannot
 * use (an unknown option, a missing value, a port that is not one, both storages at once, no authentication) is a
 * {@link CliError} with exit code 2 and a sentence saying what to type instead.
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';
import type { ServeOptions } from './serve.js';

export const HELP = `Usage: crmkit <command> [options]

Commands:
  serve            Run the CRM server: the API at /api, optionally a folder of static files at /

Options:
  -h, --help       Show this help (crmkit serve --help shows the command's options)
  -v, --version    Print the version
`;

export const SERVE_HELP = `Usage: crmkit serve [options]

Runs the crmkit API at /api (and GET /health) on node:http, storing the CRM in an embedded PGlite database or in
PostgreSQL; the database schema is created or migrated on start.

Options:
  --port <n>             Port to listen on; 0 picks a free one. Default 8080
  --host <address>       Address to listen on. Default 127.0.0.1 (this machine only); 0.0.0.0 for every interface
  --data <folder>        Embedded database (PGlite) in this folder, created if missing. Default ./crm-data
  --database-url <url>   PostgreSQL instead, e.g. postgres://crm@db.internal/crm (or DATABASE_URL)
  --tenant <name>        The tenant the records are stored under. Default "default"
  --static <folder>      Also serve this folder's files at / (index.html for /), e.g. a built portal
  --users <file>         Bearer tokens and who they are:
                         { "tokens": { "<token>": { "id": "u-admin", "role": "admin" } } }
  --web-to-lead <file>   Public lead forms a marketing site may post to, at /api/public/leads/<key>:
                         { "forms": { "contact": { "ownerId": "u-rep", "source": "web",
                           "allowedOrigins": ["https://www.example.com"], "consentPurposes": ["contact"] } } }
  --insecure-demo        No authentication at all: the X-Crmkit-Demo-User: <id>:<role> header is trusted.
                         For a demo on your own machine only
  -h, --help             Show this help

Environment:
  DATABASE_URL           Same as --database-url (which wins; --data chooses PGlite even when it is set)
  CRMKIT_JWT_SECRET      Also accept HMAC-signed JWTs as bearer tokens (sub: the user id, role: their role);
                         32 characters or more
  CRMKIT_JWT_ISSUER      The iss those tokens must carry (optional)
  CRMKIT_JWT_AUDIENCE    The aud those tokens must carry (optional)

Authentication is required: --users, CRMKIT_JWT_SECRET or both (or --insecure-demo). Put TLS in front (a reverse
proxy) when the server is reached over a network. Ctrl+C or SIGTERM stops it: requests in flight finish (up to
10 s), live change streams end, the database is closed; a second signal stops it at once.
`;

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'serve'; readonly options: ServeOptions };

/** Where relative paths start and which environment variables count. */
export interface ParseContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const TOP_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  'database-url': { type: 'string' },
  tenant: { type: 'string' },
  static: { type: 'string' },
  users: { type: 'string' },
  'web-to-lead': { type: 'string' },
  'insecure-demo': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const COMMANDS = ['serve'];

/** Reads `argv` (without `node` and the script): the command and its options, or a `CliError` (exit code 2). */
export function parseCommandLine(argv: readonly string[], context: ParseContext): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError(`Name a command.\n\n${HELP}`);
  if (first.startsWith('-')) {
    const { values } = parse(argv, TOP_OPTIONS, 'crmkit', Object.keys(SERVE_OPTIONS));
    if (values.help) return { kind: 'help', text: HELP };
    if (values.version) return { kind: 'version' };
    throw usageError(`Name a command.\n\n${HELP}`);
  }
  if (first === 'help') return { kind: 'help', text: rest[0] === 'serve' ? SERVE_HELP : HELP };
  if (!COMMANDS.includes(first)) {
    throw usageError(`Unknown command "${printable(first)}": the command is serve (see crmkit --help).`);
  }
  const { values } = parse(rest, SERVE_OPTIONS, 'crmkit serve', []);
  if (values.help) return { kind: 'help', text: SERVE_HELP };
  if (values.version) return { kind: 'version' };
  return { kind: 'serve', options: serveOptions(values, context) };
}

type ServeValues = ReturnType<typeof parse<typeof SERVE_OPTIONS>>['values'];

function serveOptions(values: ServeValues, { cwd, env }: ParseContext): ServeOptions {
  const databaseUrl = values['database-url'] ?? (values.data === undefined ? nonEmpty(env['DATABASE_URL']) : undefined);
  if (values.data !== undefined && values['database-url'] !== undefined) {
    throw usageError('Give --data (an embedded database) or --database-url (PostgreSQL), not both.');
  }
  const jwtSecret = nonEmpty(env['CRMKIT_JWT_SECRET']);
  const insecureDemo = values['insecure-demo'] === true;
  if (insecureDemo && (values.users !== undefined || jwtSecret !== undefined)) {
    throw usageError(
      '--insecure-demo trusts a header anyone can send: it cannot be combined with --users or CRMKIT_JWT_SECRET.',
    );
  }
  if (!insecureDemo && values.users === undefined && jwtSecret === undefined) {
    throw usageError(
      'Say who may use the server: --users <file> (bearer tokens), CRMKIT_JWT_SECRET (JWTs), or, for a demo on ' +
        'your own machine, --insecure-demo. See crmkit serve --help.',
    );
  }
  const tenant = values.tenant ?? 'default';
  if (tenant.length === 0 || tenant.length > 128) throw usageError('--tenant takes a name of 1 to 128 characters.');
  const host = values.host ?? '127.0.0.1';
  if (host.length === 0) throw usageError('--host takes an address, such as 127.0.0.1 or 0.0.0.0.');
  return {
    port: port(values.port),
    host,
    tenant,
    storage:
      databaseUrl === undefined
        ? { kind: 'pglite', dataDir: resolve(cwd, nonEmptyPath(values.data, '--data') ?? 'crm-data') }
        : { kind: 'postgres', url: postgresUrl(databaseUrl) },
    ...(values.static === undefined ? {} : { staticDir: resolve(cwd, nonEmptyPath(values.static, '--static')!) }),
    ...(values['web-to-lead'] === undefined
      ? {}
      : { webToLeadFile: resolve(cwd, nonEmptyPath(values['web-to-lead'], '--web-to-lead')!) }),
    auth: {
      ...(values.users === undefined ? {} : { usersFile: resolve(cwd, nonEmptyPath(values.users, '--users')!) }),
      ...(jwtSecret === undefined
        ? {}
        : {
            jwt: {
              secret: jwtSecret,
              ...(nonEmpty(env['CRMKIT_JWT_ISSUER']) === undefined ? {} : { issuer: env['CRMKIT_JWT_ISSUER']! }),
              ...(nonEmpty(env['CRMKIT_JWT_AUDIENCE']) === undefined ? {} : { audience: env['CRMKIT_JWT_AUDIENCE']! }),
            },
          }),
      insecureDemo,
    },
  };
}

function port(text: string | undefined): number {
  if (text === undefined) return 8080;
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 65535))
    throw usageError(`--port takes a number from 0 to 65535, not "${printable(text)}".`);
  return value;
}

/** The URL, checked to be a PostgreSQL one; never echoed, as it may hold a password. */
function postgresUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError('--database-url (or DATABASE_URL) is not a URL: expected postgres://user@host:5432/database.');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw usageError('--database-url (or DATABASE_URL) must start with postgres:// or postgresql://.');
  }
  return text;
}

const nonEmpty = (text: string | undefined): string | undefined =>
  text === undefined || text.length === 0 ? undefined : text;

function nonEmptyPath(text: string | undefined, option: string): string | undefined {
  if (text !== undefined && text.length === 0) throw usageError(`${option} takes a path.`);
  return text;
}

/** `parseArgs`, strict, with its errors turned into sentences (and a suggestion for a mistyped option). */
function parse<const T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  args: readonly string[],
  options: T,
  command: string,
  elsewhere: readonly string[],
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']*)'/.exec(message)?.[1] ?? '';
      const name = option.replace(/^-+/, '').split('=')[0] ?? '';
      if (elsewhere.includes(name)) {
        throw usageError(`${command}: --${name} is an option of a command: crmkit serve --${name} …`);
      }
      const guess = closest(name, Object.keys(options));
      throw usageError(
        `${command}: unknown option ${printable(option)}${guess ? ` (did you mean --${guess}?)` : ''}. ` +
          `See ${command} --help.`,
      );
    }
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw usageError(`${command}: ${printable(message.split('\n')[0] ?? message)}. See ${command} --help.`);
    }
    throw error;
  }
}

/** The option within two edits of `name`, if one is. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance, with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      rows[i]![j] = value;
    }
  }
  return at(a.length, b.length);
}

/** Text from the command line, safe to print: control characters (terminal escapes) shown as `?`, and kept short. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
