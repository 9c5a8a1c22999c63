/**
 * Web-to-lead: a public endpoint a host's marketing site posts its contact forms to,
 * `POST {basePath}/public/leads/{formKey}` (and the CORS preflight `OPTIONS` of it). Each form is configured on the
 * server: whose leads it makes, their source and campaign, the sites that may post it, the consent it requires and
 * the fields it takes. The browser sends only what a visitor typed.
 *
 * A post is refused before anything is read when its origin is not the form's (403) or its form and address have
 * posted too often (429 with `Retry-After`); its body is JSON or a plain HTML form's urlencoded fields, strictly the
 * form's fields (an unknown one is a 400 naming it), with every required consent ticked. A filled honeypot field is
 * answered as if accepted, and nothing is captured. The lead is captured with core's `crm.leads.capture` on a CRM
 * acting as the form's owner, who owns the lead. Whatever happens to it, the answer says nothing about the records
 * already stored: a lead refused as a duplicate is answered exactly like one captured, `202 { receipt }`, where the
 * receipt is a random id tied to nothing.
 *
 * @module
 */
import * as z from 'zod/mini';
import {
  idSchema,
  nameSchema,
  sourceSchema,
  trimmedString,
  unknownKeyMessage,
  ValidationError,
  type LeadCaptureInput,
  type ValidationIssue,
} from '@crmkit/core';
import { HttpError, ServerErrorCode } from './errors.js';
import { clientAddressOf } from './node.js';
import { originListSchema, requestOrigin } from './origins.js';
import { RateLimiter } from './rate-limit.js';
import { readFormBody, type FormBody } from './request-body.js';
import { BASE_HEADERS, storedJson, toResponse, type StoredResponse } from './responses.js';
import type { Tenant } from './tenants.js';

/** The lead fields a public form may take; `message` is stored as the lead's inbound note. */
export const PUBLIC_LEAD_FIELDS = [
  'name',
  'company',
  'email',
  'phone',
  'country',
  'territory',
  'industry',
  'language',
  'message',
] as const;
export type PublicLeadField = (typeof PUBLIC_LEAD_FIELDS)[number];

/** The fields a form takes when its options name none. */
export const DEFAULT_FORM_FIELDS: readonly PublicLeadField[] = ['name', 'company', 'email', 'phone', 'message'];

/** The body field holding the consents given: purposes, as a JSON array or repeated form fields. */
export const CONSENT_FIELD = 'consent';

/** One public form. */
export interface WebToLeadForm {
  /** The user who owns the leads the form makes (the capture acts as them, as a `rep`). */
  readonly ownerId: string;
  /** The leads' source, e.g. `web`. */
  readonly source: string;
  readonly campaign?: string;
  /** The tenant the leads go to: required with `openStorage`, refused with one `storage`. */
  readonly tenant?: string;
  /** The sites that may post the form, e.g. `['https://www.example.com']`: exact origins, never a wildcard. */
  readonly allowedOrigins: readonly string[];
  /** Consents the visitor must give (purposes, e.g. `contact`); a post without one of them is a 400. */
  readonly consentPurposes: readonly string[];
  /** Consents the visitor may give (e.g. `marketing_email`), recorded when ticked. */
  readonly optionalConsentPurposes?: readonly string[];
  /** The version of the consent wording the form shows, recorded with each consent. */
  readonly consentTextVersion?: string;
  /** The fields the form takes; `name` among them. Default `name`, `company`, `email`, `phone`, `message`. */
  readonly fields?: readonly PublicLeadField[];
  /**
   * Where a plain HTML form post (urlencoded) is sent once accepted: `303 See Other` to this URL, on one of
   * `allowedOrigins`. Without it, and for JSON posts, the answer is `202 { receipt }`.
   */
  readonly successRedirect?: string;
}

/** The `webToLead` option of the handler. */
export interface WebToLeadOptions {
  /** The forms by key (the last path segment): letters, digits, `_` and `-`, at most 64. */
  readonly forms: Readonly<Record<string, WebToLeadForm>>;
  /**
   * A field real visitors leave empty (hidden from them by the page's stylesheet); a post filling it is answered as
   * accepted and captures nothing.
   */
  readonly honeypotField?: string;
  /** Posts per form and client address: `max` at once, earned back over `windowMs`. Default 10 per 10 minutes. */
  readonly rateLimit?: { readonly perKeyAndAddress: { readonly max: number; readonly windowMs: number } };
  /**
   * The client's address, which the rate limit counts by. By default the connection's peer address when the
   * request came through `toNodeListener`; behind a proxy, read the header your proxy sets (and only yours). Without
   * either, every client shares one count. IPv6 addresses are counted by their /64 network.
   */
  readonly clientAddress?: (request: Request) => string | undefined;
  /** The largest body of a post, in bytes. Default 16 KiB. */
  readonly bodyBytes?: number;
}

const formKeySchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'Expected a form key'));
const fieldNameSchema = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'Expected a field name'));
const purposesSchema = z.array(trimmedString(100)).check(z.maxLength(20));

const formSchema = z
  .strictObject({
    ownerId: idSchema,
    source: sourceSchema,
    campaign: z.optional(nameSchema),
    tenant: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    allowedOrigins: originListSchema,
    consentPurposes: purposesSchema,
    optionalConsentPurposes: z.optional(purposesSchema),
    consentTextVersion: z.optional(trimmedString(100)),
    fields: z.optional(z.array(z.enum(PUBLIC_LEAD_FIELDS)).check(z.minLength(1))),
    successRedirect: z.optional(z.string().check(z.url({ protocol: /^https?$/ }))),
  })
  .check(
    z.refine((form) => form.fields === undefined || form.fields.includes('name'), {
      path: ['fields'],
      message: 'Expected name among the fields: every lead has one',
    }),
    z.refine(
      (form) => {
        const all = [...form.consentPurposes, ...(form.optionalConsentPurposes ?? [])];
        return new Set(all).size === all.length && all.length <= 20;
      },
      {
        path: ['optionalConsentPurposes'],
        message: 'Expected at most 20 purposes, each named once across required and optional',
      },
    ),
    z.refine(
      (form) =>
        form.successRedirect === undefined || form.allowedOrigins.includes(new URL(form.successRedirect).origin),
      { path: ['successRedirect'], message: 'Expected a URL on one of allowedOrigins' },
    ),
  );

/** The `webToLead` option's schema (strict: an unknown key is a `ValidationError` naming it). */
export const webToLeadSchema = z
  .strictObject({
    forms: z.record(formKeySchema, formSchema),
    honeypotField: z.optional(fieldNameSchema),
    rateLimit: z.optional(
      z.strictObject({
        perKeyAndAddress: z.strictObject({
          max: z.int().check(z.positive(), z.lte(1_000_000)),
          windowMs: z.int().check(z.positive(), z.lte(30 * 24 * 3600_000)),
        }),
      }),
    ),
    clientAddress: z.optional(
      z.custom<(request: Request) => string | undefined>((value) => typeof value === 'function', 'Expected a function'),
    ),
    bodyBytes: z.optional(z.int().check(z.positive(), z.lte(1024 * 1024))),
  })
  .check(
    z.refine(
      (options) =>
        options.honeypotField === undefined ||
        ![...PUBLIC_LEAD_FIELDS, CONSENT_FIELD].includes(options.honeypotField as PublicLeadField),
      { path: ['honeypotField'], message: 'Expected a name no form field has' },
    ),
  );

/** A form ready to serve. */
interface ResolvedForm {
  readonly key: string;
  readonly ownerId: string;
  readonly source: string;
  readonly campaign: string | undefined;
  readonly tenant: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly required: readonly string[];
  readonly purposes: readonly string[];
  readonly textVersion: string | undefined;
  readonly fields: readonly PublicLeadField[];
  readonly successRedirect: string | undefined;
}

/** What the endpoint needs from the handler. */
export interface WebToLeadContext {
  /** The tenant (`''` for the one storage). */
  readonly tenant: (name: string) => Promise<Tenant>;
  readonly now: () => number;
  /** The answer to a failure (reporting unexpected ones). */
  readonly failure: (error: unknown, request: Request) => StoredResponse;
}

/** The endpoint: answers a request to `/public/leads/{formKey}`. */
export type WebToLeadEndpoint = (request: Request, formKey: string) => Promise<Response>;

/** Builds the endpoint from options already checked by {@link webToLeadSchema}. */
export function createWebToLead(
  options: z.infer<typeof webToLeadSchema>,
  context: WebToLeadContext,
): WebToLeadEndpoint {
  const forms = new Map<string, ResolvedForm>(
    Object.entries(options.forms).map(([key, form]) => [
      key,
      {
        key,
        ownerId: form.ownerId,
        source: form.source,
        campaign: form.campaign,
        tenant: form.tenant ?? '',
        allowedOrigins: new Set(form.allowedOrigins),
        required: form.consentPurposes,
        purposes: [...form.consentPurposes, ...(form.optionalConsentPurposes ?? [])],
        textVersion: form.consentTextVersion,
        fields: form.fields ?? DEFAULT_FORM_FIELDS,
        successRedirect: form.successRedirect,
      },
    ]),
  );
  const limit = options.rateLimit?.perKeyAndAddress ?? { max: 10, windowMs: 600_000 };
  const limiter = new RateLimiter({ ...limit, now: context.now });
  const clientAddress = options.clientAddress ?? clientAddressOf;
  const bodyBytes = options.bodyBytes ?? 16 * 1024;
  const honeypot = options.honeypotField;

  const post = async (request: Request, form: ResolvedForm): Promise<StoredResponse> => {
    let address: string | undefined;
    try {
      address = clientAddress(request);
    } catch (error) {
      throw new HttpError(500, ServerErrorCode.internal, 'clientAddress failed', { cause: error });
    }
    limiter.consume(
      JSON.stringify([form.key, addressKey(address ?? '')]),
      'This form was posted too often from this address; try again later',
    );
    const body = await readFormBody(request, bodyBytes);
    const submission = readSubmission(body, form, honeypot);
    if (submission !== undefined) await capture(form, submission);
    // A bot's post, a duplicate and a captured lead are answered alike.
    return accepted(form, body?.kind);
  };

  const capture = async (form: ResolvedForm, submission: Submission) => {
    const tenant = await context.tenant(form.tenant);
    // The least-privileged role that may capture: whatever the owner's stored role, the form gains nothing more.
    const lease = await tenant.lease({ id: form.ownerId, role: 'rep' });
    try {
      // The visitor's text as it came: core parses it strictly (a missing name, a malformed e-mail is a 400).
      const input = { ...submission.lead, ownerId: form.ownerId } as unknown as LeadCaptureInput;
      await lease.crm.leads.capture(input, {
        source: form.source,
        ...(form.campaign === undefined ? {} : { campaign: form.campaign }),
        consent: submission.consents.map((purpose) => ({
          purpose,
          legalBasis: 'consent' as const,
          source: form.source,
          ...(form.textVersion === undefined ? {} : { textVersion: form.textVersion }),
        })),
        ...(submission.message === undefined ? {} : { note: submission.message }),
      });
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // Refused as a duplicate: saying so would tell the public who is already in the CRM.
      if (code === 'CRM_DUPLICATE') return;
      if (error instanceof ValidationError) throw asFormIssues(error);
      throw error;
    } finally {
      lease.release();
    }
  };

  return async (request, formKey) => {
    const form = forms.get(formKey);
    if (!form) throw new HttpError(404, ServerErrorCode.routeNotFound, 'No form has this key');
    const origin = requestOrigin(request);
    const allowed = origin !== undefined && form.allowedOrigins.has(origin);
    // No Access-Control-Allow-Credentials, ever: the endpoint reads no cookie and a form needs none.
    const cors: [string, string][] = [['vary', 'origin']];
    if (allowed) {
      cors.push(['access-control-allow-origin', origin], ['access-control-expose-headers', 'retry-after']);
    }
    let answer: StoredResponse;
    try {
      const method = request.method.toUpperCase();
      if (method !== 'POST' && method !== 'OPTIONS') {
        throw new HttpError(405, ServerErrorCode.methodNotAllowed, 'This path answers POST and OPTIONS', {
          headers: { allow: 'POST, OPTIONS' },
        });
      }
      if (!allowed) {
        throw new HttpError(403, ServerErrorCode.originNotAllowed, 'This form may not be posted from this origin');
      }
      answer = method === 'OPTIONS' ? preflight() : await post(request, form);
    } catch (error) {
      answer = context.failure(error, request);
    }
    return toResponse(answer, cors);
  };
}

/** What a post holds once read: the lead's fields, the message, the consents given. */
interface Submission {
  readonly lead: Readonly<Record<string, string>>;
  readonly message: string | undefined;
  readonly consents: readonly string[];
}

/**
 * The post's fields, checked against the form: `undefined` when the honeypot is filled (before anything else is
 * looked at, so a bot learns nothing), `ValidationError` naming every field that is unknown, repeated or not text,
 * and every required consent missing. Blank fields are left out, as an empty input of an HTML form is sent blank.
 */
function readSubmission(
  body: FormBody | undefined,
  form: ResolvedForm,
  honeypot: string | undefined,
): Submission | undefined {
  const issues: ValidationIssue[] = [];
  const entries: [string, unknown[]][] = [];
  if (body?.kind === 'form') {
    for (const key of new Set(body.fields.keys())) entries.push([key, body.fields.getAll(key)]);
  } else if (body !== undefined) {
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      throw new ValidationError([{ path: [], message: 'Expected an object of the form’s fields' }], 'form');
    }
    for (const [key, value] of Object.entries(body.value)) {
      entries.push([key, key === CONSENT_FIELD && Array.isArray(value) ? value : [value]]);
    }
  }
  if (honeypot !== undefined) {
    const bait = entries.find(([key]) => key === honeypot)?.[1] ?? [];
    if (bait.some((value) => value !== '' && value !== null && value !== undefined)) return undefined;
  }
  const known = [...form.fields, ...(form.purposes.length > 0 ? [CONSENT_FIELD] : [])];
  const lead: Record<string, string> = {};
  let message: string | undefined;
  const given = new Set<string>();
  for (const [key, values] of entries) {
    if (key === honeypot) continue;
    if (key === CONSENT_FIELD && form.purposes.length > 0) {
      values.forEach((value, index) => {
        const path = body?.kind === 'json' ? [CONSENT_FIELD, index] : [CONSENT_FIELD];
        if (typeof value === 'string' && form.purposes.includes(value)) given.add(value);
        else issues.push({ path, message: `Expected one of: ${form.purposes.join(', ')}` });
      });
      continue;
    }
    if (!(form.fields as readonly string[]).includes(key)) {
      issues.push({ path: [key], message: unknownKeyMessage(key, known) });
      continue;
    }
    if (values.length !== 1) {
      issues.push({ path: [key], message: 'Expected one value' });
      continue;
    }
    const value = values[0];
    if (typeof value !== 'string') {
      issues.push({ path: [key], message: 'Expected text' });
      continue;
    }
    if (value.trim() === '') continue;
    if (key === 'message') message = value;
    else lead[key] = value;
  }
  for (const purpose of form.required) {
    if (!given.has(purpose)) issues.push({ path: [CONSENT_FIELD], message: `Expected consent to ${purpose}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'form');
  return { lead, message, consents: form.purposes.filter((purpose) => given.has(purpose)) };
}

/** Core's issues about the capture, named by the form's fields (the note is the form's `message`). */
function asFormIssues(error: ValidationError): ValidationError {
  const issues = error.issues.map((issue) =>
    issue.path[0] === 'note' ? { ...issue, path: ['message', ...issue.path.slice(1)] } : issue,
  );
  return new ValidationError(issues, 'form');
}

/** The answer to an accepted post: a redirect for a plain HTML form with a page to go to, else `202 { receipt }`. */
function accepted(form: ResolvedForm, kind: FormBody['kind'] | undefined): StoredResponse {
  if (kind === 'form' && form.successRedirect !== undefined) {
    return { status: 303, headers: [...BASE_HEADERS, ['location', form.successRedirect]], body: null };
  }
  return storedJson(202, { receipt: crypto.randomUUID() });
}

function preflight(): StoredResponse {
  return {
    status: 204,
    headers: [
      ...BASE_HEADERS,
      ['access-control-allow-methods', 'POST'],
      ['access-control-allow-headers', 'content-type'],
      ['access-control-max-age', '600'],
    ],
    body: null,
  };
}

/**
 * What the rate limit counts an address by: an IPv6 address by its /64 network (one subscriber's whole allocation,
 * which they could otherwise rotate through), an IPv4-mapped one as IPv4, anything else as it is.
 */
export function addressKey(address: string): string {
  const value = address.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (mapped) return mapped[1]!;
  if (!value.includes(':') || !/^[0-9a-f:.]+$/.test(value)) return value;
  const halves = value.split('::');
  if (halves.length > 2) return value;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  // An embedded IPv4 tail counts as two groups.
  const width = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const missing = 8 - width(head) - width(tail);
  if (halves.length === 1 ? missing !== 0 : missing < 1) return value;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  const network = groups.slice(0, 4);
  if (network.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return value;
  return `${network.map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
