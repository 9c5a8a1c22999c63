// The CRM server of the browser tests' remote mode: `createCrmHandler` from @crmkit/server, run in the test runner's
// own Node process and mounted on its dev server under `/__crm/<id>/`, so a test page's `createRemoteCrm` talks to it
// over real HTTP (JSON routes, problems, the SSE change stream) on the page's own origin.
//
// A page drives it with `executeServerCommand('crm-server', payload)` (packages/elements/test/crm-under-test.ts):
// - `{ op: 'open', clock?, storageNow?, snapshot? }` opens a fresh memory storage (importing `snapshot`, a storage
//   snapshot) and a handler over it, and answers `{ url }`, the base URL to give `createRemoteCrm`. `clock` is the
//   server CRM's clock: `{ at }` (milliseconds; a fixed instant) or `{ at, stepMs }` (each reading `stepMs` later,
//   the first at `at + stepMs`); `storageNow` fixes the storage's own clock.
// - `{ op: 'storage', url, method, args }` calls one method of that storage (reads, writes and snapshots only), as a
//   test writes straight to the storage a local CRM is created over; answers `{ value }`.
// - `{ op: 'close', url }` ends the handler (its change streams) and drops the storage.
//
// Requests are authenticated by `Authorization: Bearer <token>`, the token being the URI-encoded JSON of the actor
// (`{ id, role }`): each test's actor and role reach the server, whose access policy then applies as in production.
import { register } from 'node:module';

const PREFIX = '/__crm/';
/** The storage methods a page may call: reads, writes and snapshots (never `subscribe`, `transaction` or `close`). */
const STORAGE_METHODS = new Set([
  'get',
  'getMany',
  'query',
  'count',
  'put',
  'delete',
  'exportSnapshot',
  'importSnapshot',
]);

let backendLoad;
/** The server and core modules, loaded once from the packages' sources: tsx, and the `@crmkit/source` condition. */
function backend() {
  backendLoad ??= (async () => {
    register('./wtr-source-condition.mjs', import.meta.url);
    const { tsImport } = await import('tsx/esm/api');
    return tsImport('./wtr-crm-backend.mjs', import.meta.url);
  })();
  return backendLoad;
}

/** `{ id, role }` from a bearer token, or `undefined` (a 401). */
async function authenticate(request) {
  const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  if (token === undefined) return undefined;
  try {
    const { id, role } = JSON.parse(decodeURIComponent(token));
    return typeof id === 'string' ? { actor: role === undefined ? { id } : { id, role } } : undefined;
  } catch {
    return undefined;
  }
}

/** The clock a payload describes, or `undefined` for the real one. */
function clockOf(spec) {
  if (spec === undefined || spec === null) return undefined;
  const step = Number(spec.stepMs ?? 0);
  let at = Number(spec.at);
  if (step === 0) return () => new Date(at);
  return () => new Date((at += step));
}

/**
 * The plugin (server commands, closing on stop) and the dev-server middleware (the routes); give both to the config:
 * `plugins: [crm.plugin]`, `middleware: [crm.middleware]`.
 */
export function crmServer() {
  /** Base URL → `{ handler, listener, storage }`. */
  const servers = new Map();
  let next = 0;

  const open = async (payload, session) => {
    const { createCrmHandler, createMemoryStorage, toNodeListener } = await backend();
    const storageNow = payload.storageNow === undefined ? undefined : Number(payload.storageNow);
    const storage = createMemoryStorage(storageNow === undefined ? {} : { now: () => new Date(storageNow) });
    if (payload.snapshot) await storage.importSnapshot(payload.snapshot);
    const url = `${PREFIX}${session.id}-${(next += 1)}`;
    const clock = clockOf(payload.clock);
    const handler = createCrmHandler({
      storage,
      basePath: url,
      authenticate,
      crm: clock ? { clock } : {},
      onError: (error) => console.error(`crm-server ${url}: unexpected failure`, error),
    });
    servers.set(url, { handler, listener: toNodeListener(handler), storage });
    return { url };
  };

  const serverOf = (url) => {
    const server = servers.get(url);
    if (!server) throw new Error(`crm-server: no server at ${url} (closed, or never opened)`);
    return server;
  };

  const plugin = {
    name: 'crm-server',
    async executeCommand({ command, payload, session }) {
      if (command !== 'crm-server') return undefined;
      switch (payload?.op) {
        case 'open':
          return open(payload, session);
        case 'storage': {
          const { storage } = serverOf(payload.url);
          if (!STORAGE_METHODS.has(payload.method))
            throw new Error(`crm-server: storage.${payload.method} is not open`);
          const value = await storage[payload.method](...(payload.args ?? []));
          return { value: value === undefined ? null : value };
        }
        case 'close': {
          const server = servers.get(payload.url);
          servers.delete(payload.url);
          await server?.handler.close();
          return { closed: server !== undefined };
        }
        default:
          throw new Error(`crm-server: unknown op ${String(payload?.op)}`);
      }
    },
    async serverStop() {
      const all = [...servers.values()];
      servers.clear();
      await Promise.allSettled(all.map((server) => server.handler.close()));
    },
  };

  /** Koa middleware: requests under a server's base URL go to its handler, untouched by the dev server. */
  const middleware = async (context, nextMiddleware) => {
    if (!context.path.startsWith(PREFIX)) return nextMiddleware();
    const base = context.path.split('/').slice(0, 3).join('/');
    const server = servers.get(base);
    if (!server) {
      context.status = 404;
      context.body = `No CRM server at ${base}`;
      return undefined;
    }
    context.respond = false;
    // Resolves once the answer is sent, so the runner's own middleware sees its real status (a 200 is no 404).
    await new Promise((resolve) => {
      context.res.once('finish', resolve);
      context.res.once('close', resolve);
      server.listener(context.req, context.res);
    });
    return undefined;
  };

  return { plugin, middleware };
}
