// A host's CRM server with the Lumen Lighting contact form configured: what `crmkit serve` cannot do yet (it has no
// option for web-to-lead forms), done in a few lines with createCrmHandler. Run it from the repository root:
//
//   node --conditions=@crmkit/source --import tsx examples/web-to-lead/crm-server.ts [--port 8080] \
//     [--page-origin http://localhost:5173]
//
// It keeps the CRM in memory (leads are gone when it stops: a real host passes createPostgresStorage's storage), and
// prints an admin bearer token, new on every start, to read the leads through the API. The form's settings are
// exported, so the end-to-end test runs the page against exactly these.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMemoryStorage, type StoragePort } from '@crmkit/core';
import {
  createCrmHandler,
  toNodeListener,
  type Authenticated,
  type RateLimit,
  type WebToLeadOptions,
} from '@crmkit/server';

/** The form's key: the page posts to `{CRM origin}/api/public/leads/contact`. */
export const FORM_KEY = 'contact';
/** Where the API is mounted, as `crmkit serve` mounts it. */
export const API_PATH = '/api';
/** The version of the consent notice the page shows (index.html, #consent-version): recorded with each consent. */
export const CONSENT_TEXT_VERSION = 'lumen-privacy-2026-03';
/** The user who owns the leads the form makes: the web desk. */
export const FORM_OWNER = 'usr-web-desk';
/** The honeypot field's name (index.html, #website). */
export const HONEYPOT_FIELD = 'website';

/**
 * The `webToLead` option for the page served from `pageOrigins` (exact origins: scheme, host and port). `rateLimit`
 * replaces the default of 10 posts per form and address per 10 minutes.
 */
export function lumenWebToLead(pageOrigins: readonly string[], rateLimit?: RateLimit): WebToLeadOptions {
  return {
    forms: {
      [FORM_KEY]: {
        ownerId: FORM_OWNER,
        source: 'web',
        campaign: 'Website contact form',
        allowedOrigins: [...pageOrigins],
        consentPurposes: ['contact'],
        optionalConsentPurposes: ['marketing_email'],
        consentTextVersion: CONSENT_TEXT_VERSION,
        // What index.html sends (contact.ts's LEAD_FIELDS): the default five and the page's language.
        fields: ['name', 'company', 'email', 'phone', 'message', 'language'],
      },
    },
    honeypotField: HONEYPOT_FIELD,
    ...(rateLimit === undefined ? {} : { rateLimit: { perKeyAndAddress: rateLimit } }),
    // Behind a reverse proxy, count by the address it passes on (a header it overwrites), not by its own:
    // clientAddress: (request) => request.headers.get('x-real-ip') ?? undefined,
  };
}

/** An `authenticate` accepting one admin bearer token (compared by digest, in constant time); else nobody. */
export function adminTokenAuthenticator(token: string): (request: Request) => Promise<Authenticated | undefined> {
  const expected = createHash('sha256').update(token).digest();
  return async (request) => {
    const sent = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    if (sent === undefined) return undefined;
    const digest = createHash('sha256').update(sent).digest();
    return timingSafeEqual(digest, expected) ? { actor: { id: 'usr-admin', role: 'admin' } } : undefined;
  };
}

/** Starts the CRM on `host:port` with the form for `pageOrigins`; `close()` stops it. */
export async function startLumenCrm(options: {
  readonly port: number;
  readonly host?: string;
  readonly pageOrigins: readonly string[];
  readonly storage?: StoragePort;
}): Promise<{ url: string; token: string; close(): Promise<void> }> {
  const token = randomBytes(24).toString('hex');
  const handler = createCrmHandler({
    storage: options.storage ?? createMemoryStorage(),
    authenticate: adminTokenAuthenticator(token),
    basePath: API_PATH,
    crm: { timeZone: 'Asia/Shanghai', currency: 'CNY' },
    webToLead: lumenWebToLead(options.pageOrigins),
  });
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    token,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8080' }, 'page-origin': { type: 'string', multiple: true } },
  });
  const pageOrigins = values['page-origin'] ?? ['http://localhost:5173', 'http://127.0.0.1:5173'];
  const crm = await startLumenCrm({ port: Number(values.port), pageOrigins });
  console.log(`Lumen CRM on ${crm.url}: the form posts to ${crm.url}${API_PATH}/public/leads/${FORM_KEY}`);
  console.log(`  pages allowed to post it: ${pageOrigins.join(', ')}`);
  console.log(`  the leads: curl -H 'Authorization: Bearer ${crm.token}' ${crm.url}${API_PATH}/leads`);
  const stop = () => void crm.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
