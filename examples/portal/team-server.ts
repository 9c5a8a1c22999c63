// The sales desk's team server, for `npm start` (scripts/start.mjs) and the portal's end-to-end test: crmkit's HTTP
// handler (`@crmkit/server`, core's services with the access policy, live changes over SSE) over PostgreSQL in an
// embedded PGlite data folder, seeded with the demo data on its first start — the same data the browser-only mode
// loads into IndexedDB. It runs in Node, inside the process that serves the page, and is mounted on the page's own
// origin: `/api` is the CRM, so the page needs no CORS.
//
// Signing in is a demo's: every start makes a new random bearer token for each of five demo users (admin, manager,
// two reps, a viewer), and `GET /demo/users` hands the list, tokens included, to pages loaded from this machine
// (loopback peers asking for a loopback host name) — the sign-in switcher. The API itself checks bearer tokens
// exactly as `crmkit serve --users` does; nobody can name an arbitrary user or role. Never deploy this: a real host
// signs its users in (`jwtAuthenticator`, a session cookie) and hands `createRemoteCrm` their token.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CrmActor, UserRole } from '@crmkit/core';
import { createCrmHandler, toNodeListener } from '@crmkit/server';
// The pieces of `crmkit serve` that fit: opening (and locking) a PGlite data folder, and bearer-token checks.
import { createAuthentication } from '../../packages/server/src/cli/auth.js';
import { openStorage } from '../../packages/server/src/cli/storage.js';
import { DEMO_SIGN_INS, demoSnapshot } from './demo-data.js';
import { CURRENCY, DEFAULT_REGION, TIME_ZONE, demoExchangeRates, localDate } from './demo-settings.js';

/** Where the CRM is mounted, and where the page finds the demo users. */
export const API_PATH = '/api';
export const DEMO_USERS_PATH = '/demo/users';

/** A demo user the sign-in switcher offers. */
export interface DemoSignIn {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  /** A bearer token made for this start of the server. */
  readonly token: string;
}

/** What `GET /demo/users` answers. */
export interface DemoUsersAnswer {
  readonly users: readonly DemoSignIn[];
}

export interface TeamServerOptions {
  /** The PGlite data folder: created and seeded when new, reused (with its changes) afterwards. */
  readonly dataDir: string;
  /** Today, for the seed's year of history and the exchange rates' date. Default: now. */
  readonly now?: Date;
  /** Start lines and unexpected failures (never a token or record data). */
  readonly log?: (line: string) => void;
}

export interface TeamServer {
  /** Connect-style middleware (Vite's dev server, or a plain `node:http` server): answers `/api…` and `/demo/users`. */
  readonly middleware: (request: IncomingMessage, response: ServerResponse, next: () => void) => void;
  readonly users: readonly DemoSignIn[];
  /** Ends the live change streams, then closes the database (and frees the data folder's lock). */
  close(): Promise<void>;
}

/** Opens (and on its first start seeds) the data folder and builds the handler; `CliError`s say what to fix. */
export async function startTeamServer(options: TeamServerOptions): Promise<TeamServer> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const opened = await openStorage({ kind: 'pglite', dataDir: options.dataDir }, 'default', log);
  try {
    const { storage } = opened;
    if ((await storage.count('deals')) === 0) {
      log(`crmkit: seeding ${options.dataDir} with a year of demo history (first start only)…`);
      await storage.importSnapshot(demoSnapshot(now, TIME_ZONE));
    }
    const records = await storage.getMany('users', DEMO_SIGN_INS);
    const users: DemoSignIn[] = records.flatMap((record) =>
      record === undefined
        ? []
        : [
            {
              id: record.id,
              name: String(record['name']),
              role: record['role'] as UserRole,
              token: randomBytes(24).toString('base64url'),
            },
          ],
    );
    const tokens: Record<string, CrmActor> = Object.fromEntries(
      users.map((user) => [user.token, { id: user.id, role: user.role }]),
    );
    const auth = await createAuthentication({ tokens });
    const handler = createCrmHandler({
      storage,
      authenticate: auth.authenticate,
      basePath: API_PATH,
      crm: {
        timeZone: TIME_ZONE,
        currency: CURRENCY,
        exchangeRates: demoExchangeRates(localDate(now, TIME_ZONE)),
        leads: { defaultRegion: DEFAULT_REGION },
      },
      onError: (error, request) =>
        log(
          `crmkit: unexpected failure on ${request.method} ${new URL(request.url).pathname}: ${
            error instanceof Error ? error.name : typeof error
          }`,
        ),
    });
    const api = toNodeListener(handler);
    const answer: DemoUsersAnswer = { users };

    const middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
      const path = (request.url ?? '/').split('?')[0]!;
      const ours = path === API_PATH || path.startsWith(`${API_PATH}/`) || path === DEMO_USERS_PATH;
      if (!ours) {
        next();
        return;
      }
      // Same origin only: whatever CORS headers a middleware before this one set (a dev server's) are taken back.
      for (const name of CORS_HEADERS) response.removeHeader(name);
      if (path === DEMO_USERS_PATH) demoUsers(request, response, answer);
      else api(request, response);
    };

    let closed: Promise<void> | undefined;
    const close = () =>
      (closed ??= (async () => {
        try {
          await handler.close();
        } finally {
          await opened.close();
        }
      })());
    return { middleware, users, close };
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw error;
  }
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-expose-headers',
];
const LOOPBACK_PEER = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * `GET /demo/users`: the demo users and their tokens, for a page on this machine only. The peer must be a loopback
 * address (a dev server started with `--host 0.0.0.0` hands no tokens to the network), and the `Host` a loopback
 * name (a foreign site's name resolving to 127.0.0.1 — DNS rebinding — gets nothing). A request a browser marks as
 * coming from another site or origin (`Sec-Fetch-Site`), or naming another origin, is refused, and the answer carries
 * no CORS headers: another page, even one on another localhost port, cannot read the tokens.
 */
function demoUsers(request: IncomingMessage, response: ServerResponse, answer: DemoUsersAnswer): void {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (request.method !== 'GET') {
    response.writeHead(405, { ...headers, allow: 'GET' }).end(JSON.stringify({ error: 'method' }));
    return;
  }
  const host = request.headers.host ?? '';
  const local = LOOPBACK_PEER.test(request.socket.remoteAddress ?? '') && LOOPBACK_HOST.test(host);
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const sameOrigin =
    (site === undefined || site === 'same-origin' || site === 'none') &&
    (origin === undefined || hostOf(origin) === host.toLowerCase());
  if (!local || !sameOrigin) {
    response.writeHead(403, headers).end(JSON.stringify({ error: local ? 'same-origin-only' : 'loopback-only' }));
    return;
  }
  response.writeHead(200, headers).end(JSON.stringify(answer));
}

/** The `host[:port]` of an origin, lower case; `undefined` for one that is not a URL (`null`). */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
