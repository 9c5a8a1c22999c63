/**
 * The options of `createCrmHandler`, parsed strictly: an unknown key, a missing `authenticate`, both or neither of
 * `storage` and `openStorage`, or a limit that is not a positive integer is a `ValidationError` naming it, at
 * creation rather than on the first request.
 *
 * @module
 */
import * as z from 'zod/mini';
import { parseOrThrow, userRoles, type CreateCrmOptions, type CrmActor, type StoragePort } from '@crmkit/core';
import { failureSummary } from './errors.js';
import type { RateLimit } from './rate-limit.js';
import { webToLeadSchema, type WebToLeadOptions } from './web-to-lead.js';

/** Who a request is from, as `authenticate` says. */
export interface Authenticated {
  readonly actor: CrmActor;
  /** The tenant the actor works in; required with `openStorage`, refused with `storage` (one tenant). */
  readonly tenant?: string;
  /**
   * When the credential stops being valid (a token's `exp`), in epoch milliseconds: a change stream opened with it
   * ends then, and the client reconnects with a fresh one (resuming where it was). Absent: streams run until closed.
   */
  readonly expiresAt?: number;
}

/** Limits of the handler; each has a default. */
export interface CrmHandlerLimits {
  /** The largest body accepted, in bytes. Default 1 MiB. */
  readonly bodyBytes?: number;
  /** The largest body of `PUT /backup` (a whole snapshot), in bytes. Default 64 MiB. */
  readonly backupBytes?: number;
  /** How long an `Idempotency-Key`'s answer is replayed, in milliseconds. Default 24 hours. */
  readonly idempotencyWindowMs?: number;
  /** How many idempotent answers are kept at most (the oldest go first). Default 10 000. */
  readonly idempotencyEntries?: number;
  /** How many actor CRMs each tenant keeps (the least recently used go first). Default 500. */
  readonly actorCrms?: number;
  /**
   * With `openStorage`: a tenant no request or stream has used for this long (milliseconds, at least a minute) is
   * closed, its CRMs disposed and its storage closed, when a later request arrives; its next request opens it again
   * (a change stream resuming from before that gets a `reset`). Default 30 minutes.
   */
  readonly idleTenantMs?: number;
}

/** The change stream's settings. */
export interface CrmHandlerChangeOptions {
  /** Milliseconds between heartbeat comments. Default 15 000. */
  readonly heartbeatMs?: number;
  /** The reconnection delay suggested to clients (`retry:`), in milliseconds. Default 3 000. */
  readonly retryMs?: number;
  /** Batches each tenant keeps for `Last-Event-ID` resumption. Default 10 000. */
  readonly bufferBatches?: number;
  /** Batches one stream may have waiting before it is sent `reset` instead. Default 1 000. */
  readonly maxPendingBatches?: number;
}

/** Rate limits on authenticated requests. */
export interface CrmHandlerRateLimits {
  /**
   * Requests per actor in a tenant: `max` at once, earned back evenly over `windowMs` (a token bucket). Every
   * authenticated request counts, the change stream's opening included; one over is a 429 with `Retry-After`.
   * Default: none.
   */
  readonly perActor?: RateLimit;
  /**
   * Requests per client address, counted before `authenticate` runs (so guessing credentials is slowed as much as
   * using them): `max` at once, earned back over `windowMs`; one over is a 429 with `Retry-After`. IPv6 addresses
   * count by their /64 network. Default: none.
   */
  readonly perAddress?: RateLimit;
  /**
   * The client's address `perAddress` counts by. By default the connection's peer address when the request came
   * through `toNodeListener`; behind a proxy, read the header your proxy sets (and only yours). Without either,
   * every client shares one count.
   */
  readonly clientAddress?: (request: Request) => string | undefined;
}

/** Options of {@link createCrmHandler}. */
export interface CrmHandlerOptions {
  /** The one storage of a single-tenant server. Exactly one of `storage` and `openStorage`. */
  readonly storage?: StoragePort;
  /**
   * Opens the storage of a tenant (the `tenant` `authenticate` names), once per tenant; the handler keeps it and
   * closes it on `close()`. Exactly one of `storage` and `openStorage`.
   */
  readonly openStorage?: (tenant: string) => Promise<StoragePort>;
  /**
   * Who sent the request: the actor (and tenant), or `undefined` for a 401. Runs for every request except
   * `GET /health` and `GET /openapi.json`. It should throw only for its own failures (a 500): an invalid token is
   * `undefined`. A refusal of its own is an `HttpError` of a 4xx status (a 403, a 429), sent as it is.
   */
  readonly authenticate: (request: Request) => Promise<Authenticated | undefined>;
  /** `createCrm` options for every tenant's CRM: time zone, currency, policy, leads, lifecycle, … */
  readonly crm?: Omit<CreateCrmOptions, 'storage' | 'actor'>;
  /** Where the handler is mounted, e.g. `/crm`; requests outside it are 404s. Default `''`. */
  readonly basePath?: string;
  readonly limits?: CrmHandlerLimits;
  readonly changes?: CrmHandlerChangeOptions;
  /**
   * The id of the admin actor each tenant's own CRM acts as (the CRM that actor CRMs are derived from with
   * `crm.as`). It never writes. Default `crmkit-server`.
   */
  readonly systemActorId?: string;
  /** Hears of unexpected failures (answered with a generic 500): log them. Default: `console.error`. */
  readonly onError?: (error: unknown, request: Request) => void;
  /** Title, version and security schemes of `GET /openapi.json`. */
  readonly openApi?: OpenApiOptions;
  /** Rate limits on authenticated requests; none by default. */
  readonly rateLimit?: CrmHandlerRateLimits;
  /** Public lead capture forms, `POST {basePath}/public/leads/{formKey}`; none by default. */
  readonly webToLead?: WebToLeadOptions;
  /** The clock rate limits read, in milliseconds since the epoch. Default `Date.now`; tests pass their own. */
  readonly now?: () => number;
}

/** What `GET /openapi.json` says about the deployment. */
export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** `servers` of the document, e.g. `[{ url: 'https://crm.example.com' }]`. */
  readonly servers?: readonly { readonly url: string; readonly description?: string }[];
  /** `components.securitySchemes`, e.g. `{ bearer: { type: 'http', scheme: 'bearer' } }`. */
  readonly securitySchemes?: Readonly<Record<string, unknown>>;
  /** The document's `security`, e.g. `[{ bearer: [] }]`. */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly storage: StoragePort | undefined;
  readonly openStorage: ((tenant: string) => Promise<StoragePort>) | undefined;
  readonly authenticate: (request: Request) => Promise<Authenticated | undefined>;
  readonly crm: Omit<CreateCrmOptions, 'storage' | 'actor'>;
  readonly basePath: string;
  readonly limits: Required<CrmHandlerLimits>;
  readonly changes: Required<CrmHandlerChangeOptions>;
  readonly systemActorId: string;
  readonly onError: (error: unknown, request: Request) => void;
  readonly openApi: OpenApiOptions;
  readonly rateLimit: CrmHandlerRateLimits;
  readonly webToLead: z.infer<typeof webToLeadSchema> | undefined;
  readonly now: () => number;
}

const isFunction = (value: unknown) => typeof value === 'function';
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
const fn = <T>() => z.custom<T>(isFunction, 'Expected a function');
const count = (max: number) => z.optional(z.int().check(z.positive(), z.lte(max)));
const text = z.string().check(z.minLength(1), z.maxLength(1000));
const rateLimitSchema = z.strictObject({
  max: z.int().check(z.positive(), z.lte(1_000_000)),
  windowMs: z.int().check(z.positive(), z.lte(30 * 24 * 3600_000)),
});

const optionsSchema = z
  .strictObject({
    storage: z.optional(
      z.custom<StoragePort>(
        (value) => isObject(value) && isFunction((value as StoragePort).subscribe),
        'Expected a storage adapter',
      ),
    ),
    openStorage: z.optional(fn<(tenant: string) => Promise<StoragePort>>()),
    authenticate: fn<(request: Request) => Promise<Authenticated | undefined>>(),
    crm: z.optional(
      z.custom<Omit<CreateCrmOptions, 'storage' | 'actor'>>(
        (value) => isObject(value) && !('storage' in (value as object)) && !('actor' in (value as object)),
        'Expected createCrm options without storage and actor (the handler gives those)',
      ),
    ),
    basePath: z.optional(
      z.string().check(z.regex(/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*\/?$/, 'Expected a path such as /crm')),
    ),
    limits: z.optional(
      z.strictObject({
        bodyBytes: count(1024 ** 3),
        backupBytes: count(16 * 1024 ** 3),
        idempotencyWindowMs: count(30 * 24 * 3600_000),
        idempotencyEntries: count(10_000_000),
        actorCrms: count(1_000_000),
        idleTenantMs: z.optional(z.int().check(z.gte(60_000), z.lte(30 * 24 * 3600_000))),
      }),
    ),
    changes: z.optional(
      z.strictObject({
        heartbeatMs: count(3600_000),
        retryMs: count(3600_000),
        bufferBatches: count(10_000_000),
        maxPendingBatches: count(10_000_000),
      }),
    ),
    systemActorId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    onError: z.optional(fn<(error: unknown, request: Request) => void>()),
    openApi: z.optional(
      z.strictObject({
        title: z.optional(text),
        version: z.optional(text),
        description: z.optional(z.string()),
        servers: z.optional(z.array(z.strictObject({ url: text, description: z.optional(z.string()) }))),
        securitySchemes: z.optional(z.record(z.string(), z.unknown())),
        security: z.optional(z.array(z.record(z.string(), z.array(z.string())))),
      }),
    ),
    rateLimit: z.optional(
      z.strictObject({
        perActor: z.optional(rateLimitSchema),
        perAddress: z.optional(rateLimitSchema),
        clientAddress: z.optional(fn<(request: Request) => string | undefined>()),
      }),
    ),
    webToLead: z.optional(webToLeadSchema),
    now: z.optional(fn<() => number>()),
  })
  .check(
    z.refine((options) => (options.storage === undefined) !== (options.openStorage === undefined), {
      path: ['storage'],
      message: 'Expected exactly one of storage and openStorage',
    }),
    z.superRefine((options, context) => {
      // One storage is one tenant; storages opened per tenant need each form to say which.
      for (const [key, form] of Object.entries(options.webToLead?.forms ?? {})) {
        if (options.storage !== undefined && form.tenant !== undefined) {
          context.addIssue({
            code: 'custom',
            path: ['webToLead', 'forms', key, 'tenant'],
            message: 'Expected no tenant: there is one storage',
            input: form.tenant,
          });
        }
        if (options.openStorage !== undefined && form.tenant === undefined) {
          context.addIssue({
            code: 'custom',
            path: ['webToLead', 'forms', key, 'tenant'],
            message: 'Expected the tenant the form’s leads go to',
            input: form.tenant,
          });
        }
      }
    }),
  );

/** Parses the options (`ValidationError` naming each problem) and applies the defaults. */
export function resolveOptions(options: CrmHandlerOptions): ResolvedOptions {
  const checked = parseOrThrow(optionsSchema, options, 'createCrmHandler options');
  return {
    storage: checked.storage,
    openStorage: checked.openStorage,
    authenticate: checked.authenticate,
    crm: checked.crm ?? {},
    basePath: (checked.basePath ?? '').replace(/\/$/, ''),
    limits: {
      bodyBytes: checked.limits?.bodyBytes ?? 1024 * 1024,
      backupBytes: checked.limits?.backupBytes ?? 64 * 1024 * 1024,
      idempotencyWindowMs: checked.limits?.idempotencyWindowMs ?? 24 * 3600_000,
      idempotencyEntries: checked.limits?.idempotencyEntries ?? 10_000,
      actorCrms: checked.limits?.actorCrms ?? 500,
      idleTenantMs: checked.limits?.idleTenantMs ?? 30 * 60_000,
    },
    changes: {
      heartbeatMs: checked.changes?.heartbeatMs ?? 15_000,
      retryMs: checked.changes?.retryMs ?? 3_000,
      bufferBatches: checked.changes?.bufferBatches ?? 10_000,
      maxPendingBatches: checked.changes?.maxPendingBatches ?? 1_000,
    },
    systemActorId: checked.systemActorId ?? 'crmkit-server',
    onError: checked.onError ?? ((error, request) => console.error(failureSummary(error, request))),
    openApi: (checked.openApi ?? {}) as OpenApiOptions,
    rateLimit: checked.rateLimit ?? {},
    webToLead: checked.webToLead,
    now: checked.now ?? Date.now,
  };
}

const authenticatedSchema = z.strictObject({
  actor: z.strictObject({
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    role: z.optional(z.enum(userRoles)),
  }),
  tenant: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  expiresAt: z.optional(z.number().check(z.refine(Number.isFinite, 'Expected epoch milliseconds'))),
});

/** What `authenticate` returned, checked: a malformed answer is the host's bug, so it throws (a 500). */
export function checkAuthenticated(value: unknown): {
  readonly actor: Readonly<Required<CrmActor>>;
  readonly tenant: string | undefined;
  readonly expiresAt: number | undefined;
} {
  const checked = parseOrThrow(authenticatedSchema, value, 'authenticate result');
  return {
    actor: { id: checked.actor.id, role: checked.actor.role ?? 'rep' },
    tenant: checked.tenant,
    expiresAt: checked.expiresAt,
  };
}
