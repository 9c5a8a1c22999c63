/**
 * Who may use a `crmkit serve` server: bearer tokens from a `--users` file (or given in memory, `tokens`), JWTs
 * signed with `CRMKIT_JWT_SECRET` (through {@link jwtAuthenticator}), or, for a demo only, whoever the
 * `X-Crmkit-Demo-User` header names.
 *
 * Tokens are never printed: a problem in the users file is reported by the entry's position, not its token, and
 * tokens are looked up by their SHA-256 digest, so the lookup's timing says nothing about a token's characters.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { userRoles, type CrmActor, type UserRole } from '@crmkit/core';
import { jwtAuthenticator } from '../auth.js';
import type { Authenticated } from '../options.js';
import { CliError, readJsonFile, usageError } from './cli-error.js';

/** How requests are authenticated. */
export interface AuthOptions {
  /** A JSON file: `{ "tokens": { "<token>": { "id": "u-admin", "role": "admin" } } }`. */
  readonly usersFile?: string;
  /**
   * Bearer tokens given in memory, checked like a users file's: `{ "<token>": { id: "u-admin", role: "admin" } }`.
   * For a program that makes its own tokens (the demo portal's `npm start` makes new random ones on every start).
   */
  readonly tokens?: Readonly<Record<string, CrmActor>>;
  /** HMAC-signed JWTs: the secret (32 characters or more), and the `iss` and `aud` they must carry. */
  readonly jwt?: { readonly secret: string; readonly issuer?: string; readonly audience?: string };
  /** Trust the `X-Crmkit-Demo-User: <id>:<role>` header. Only without `usersFile` and `jwt`. */
  readonly insecureDemo?: boolean;
}

/** The `authenticate` of the handler, and how to describe it in the start line. */
export interface Authentication {
  readonly authenticate: (request: Request) => Promise<Authenticated | undefined>;
  readonly description: string;
}

/** The header `--insecure-demo` trusts. */
export const DEMO_USER_HEADER = 'x-crmkit-demo-user';

/** The shortest token a users file may hold: a guessable token is no authentication. */
export const MIN_TOKEN_LENGTH = 16;

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Builds the authentication `options` ask for; a users file that cannot be used is a `CliError`. */
export async function createAuthentication(options: AuthOptions): Promise<Authentication> {
  const fromFile = options.usersFile === undefined ? undefined : await readUsers(options.usersFile);
  const given =
    options.tokens === undefined
      ? undefined
      : tokenTable(options.tokens, 'the tokens option', (why) => usageError(`The tokens option: ${why}`));
  const users = mergeTokens(fromFile, given);
  const jwt = options.jwt === undefined ? undefined : jwtOf(options.jwt);
  if (options.insecureDemo) {
    if (users || jwt) throw usageError('--insecure-demo cannot be combined with other authentication.');
    return { authenticate: async (request) => demoUser(request), description: 'INSECURE DEMO (no authentication)' };
  }
  if (!users && !jwt) throw usageError('No authentication: give --users, CRMKIT_JWT_SECRET or --insecure-demo.');
  const description = [
    users
      ? `${fromFile ? 'users file' : 'tokens'} (${users.size} ${users.size === 1 ? 'token' : 'tokens'})`
      : undefined,
    jwt ? 'JWT (HMAC)' : undefined,
  ]
    .filter(Boolean)
    .join(' + ');
  return {
    description,
    authenticate: async (request) => {
      if (users) {
        const token = BEARER.exec((request.headers.get('authorization') ?? '').trim())?.[1];
        const actor = token === undefined ? undefined : users.get(digest(token));
        if (actor) return { actor };
      }
      return jwt ? jwt(request) : undefined;
    },
  };
}

function jwtOf(options: NonNullable<AuthOptions['jwt']>) {
  if (new TextEncoder().encode(options.secret).byteLength < 32) {
    throw usageError('CRMKIT_JWT_SECRET is too short: use 32 characters or more (e.g. openssl rand -base64 48).');
  }
  return jwtAuthenticator({
    secret: options.secret,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  });
}

/** The users file as digest → actor. */
async function readUsers(file: string): Promise<Map<string, CrmActor>> {
  // Not quoted on a mistake: JSON.parse's message quotes the text around it, which may be a token.
  const json = await readJsonFile(file, 'users');
  const bad = (why: string) => new CliError(`The users file ${file}: ${why}`);
  if (!isRecord(json) || !isRecord(json['tokens']) || Object.keys(json).some((key) => key !== 'tokens')) {
    throw bad('expected { "tokens": { "<token>": { "id": "u-admin", "role": "admin" } } } and nothing else.');
  }
  return tokenTable(json['tokens'], '"tokens"', bad);
}

/** Token → actor entries, checked, as digest → actor; `bad` makes the error (naming an entry by position only). */
function tokenTable(tokens: unknown, name: string, bad: (why: string) => Error): Map<string, CrmActor> {
  if (!isRecord(tokens)) throw bad('expected { "<token>": { "id": "u-admin", "role": "admin" } }.');
  const users = new Map<string, CrmActor>();
  Object.entries(tokens).forEach(([token, value], index) => {
    const entry = `entry ${index + 1} of ${name}`;
    if (!TOKEN.test(token) || token.length < MIN_TOKEN_LENGTH || token.length > 1024) {
      throw bad(
        `the token of ${entry} must be ${MIN_TOKEN_LENGTH} to 1024 characters of A-Z a-z 0-9 . _ ~ + / - ` +
          '(e.g. openssl rand -hex 24).',
      );
    }
    if (!isRecord(value) || Object.keys(value).some((key) => key !== 'id' && key !== 'role')) {
      throw bad(`${entry} must be { "id": "<user id>", "role": "<role>" }.`);
    }
    const { id, role } = value;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
      throw bad(`the id of ${entry} must be a string of 1 to 128 characters.`);
    }
    if (role !== undefined && !(userRoles as readonly unknown[]).includes(role)) {
      throw bad(`the role of ${entry} must be one of ${userRoles.join(', ')}.`);
    }
    users.set(digest(token), role === undefined ? { id } : { id, role: role as UserRole });
  });
  if (users.size === 0) throw bad(`${name} is empty: nobody could sign in.`);
  return users;
}

/** Both tables in one (an in-memory token wins over the file's), or `undefined` without either. */
function mergeTokens(...tables: readonly (Map<string, CrmActor> | undefined)[]): Map<string, CrmActor> | undefined {
  const present = tables.filter((table) => table !== undefined);
  return present.length === 0 ? undefined : new Map(present.flatMap((table) => [...table]));
}

/** `X-Crmkit-Demo-User: <id>:<role>`, trusted as it is. */
function demoUser(request: Request): Authenticated | undefined {
  const header = request.headers.get(DEMO_USER_HEADER);
  if (header === null) return undefined;
  const colon = header.lastIndexOf(':');
  const id = header.slice(0, colon).trim();
  const role = header.slice(colon + 1).trim();
  if (colon < 1 || id.length === 0 || id.length > 128 || !(userRoles as readonly string[]).includes(role)) {
    return undefined;
  }
  return { actor: { id, role: role as UserRole } };
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
