/**
 * `jwtAuthenticator`: an `authenticate` for hosts whose identity provider issues JWTs (`Authorization: Bearer …`),
 * verified with `jose`: a shared secret, a public key, or the provider's JWKS endpoint. The actor is the token's
 * `sub`, their role a claim (`role` by default), their tenant another claim when the server has several.
 *
 * A token that is missing, malformed, expired, wrongly signed or for another issuer or audience is "nobody" (401);
 * only the verifier's own failures (the JWKS endpoint unreachable) throw, which the handler answers with a 500.
 * Tokens are read from the header only, never from the URL, where they would end up in logs.
 *
 * @module
 */
import * as z from 'zod/mini';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { parseOrThrow, userRoles, type UserRole } from '@crmkit/core';
import type { Authenticated } from './options.js';

/** Options of {@link jwtAuthenticator}: exactly one of `secret`, `key` and `jwksUrl`. */
export interface JwtAuthenticatorOptions {
  /** A shared secret for HMAC tokens (HS256, HS384, HS512); at least 32 bytes. */
  readonly secret?: string | Uint8Array;
  /** A public key (`CryptoKey`) for signed tokens. */
  readonly key?: CryptoKey;
  /** The identity provider's JWKS endpoint; keys are fetched and cached by `jose`. */
  readonly jwksUrl?: string | URL;
  /** The issuer(s) accepted (`iss`). Recommended. */
  readonly issuer?: string | readonly string[];
  /** The audience(s) accepted (`aud`). Recommended. */
  readonly audience?: string | readonly string[];
  /** The algorithms accepted; by default the HMAC ones for a secret, and what the key allows otherwise. */
  readonly algorithms?: readonly string[];
  /** The claim holding the role (`admin`, `manager`, `rep`, `viewer`); default `role`. Absent: `rep`. */
  readonly roleClaim?: string;
  /** The claim holding the tenant; without one, tokens name no tenant (a server with one `storage`). */
  readonly tenantClaim?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. Default 0. */
  readonly clockToleranceSeconds?: number;
}

const optionsSchema = z
  .strictObject({
    secret: z.optional(
      z.union([
        z.string().check(z.minLength(32)),
        z.custom<Uint8Array>(
          (value) => value instanceof Uint8Array && value.byteLength >= 32,
          'Expected 32 bytes or more',
        ),
      ]),
    ),
    key: z.optional(
      z.custom<CryptoKey>((value) => typeof value === 'object' && value !== null, 'Expected a CryptoKey'),
    ),
    jwksUrl: z.optional(
      z.union([z.string().check(z.url()), z.custom<URL>((value) => value instanceof URL, 'Expected a URL')]),
    ),
    issuer: z.optional(z.union([z.string(), z.array(z.string())])),
    audience: z.optional(z.union([z.string(), z.array(z.string())])),
    algorithms: z.optional(z.array(z.string()).check(z.minLength(1))),
    roleClaim: z.optional(z.string().check(z.minLength(1))),
    tenantClaim: z.optional(z.string().check(z.minLength(1))),
    clockToleranceSeconds: z.optional(z.int().check(z.nonnegative())),
  })
  .check(
    z.refine(
      (options) => [options.secret, options.key, options.jwksUrl].filter((value) => value !== undefined).length === 1,
      { path: ['secret'], message: 'Expected exactly one of secret, key and jwksUrl' },
    ),
  );

/** Failures that say the token is bad, as opposed to the verifier failing. */
const REFUSED = new Set([
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
]);

/** An `authenticate` verifying bearer JWTs; options are checked now (`ValidationError`). */
export function jwtAuthenticator(
  options: JwtAuthenticatorOptions,
): (request: Request) => Promise<Authenticated | undefined> {
  const checked = parseOrThrow(optionsSchema, options, 'jwtAuthenticator options');
  const roleClaim = checked.roleClaim ?? 'role';
  const algorithms = checked.algorithms ?? (checked.secret === undefined ? undefined : ['HS256', 'HS384', 'HS512']);
  const verifyOptions: JWTVerifyOptions = {
    // A token without an expiry would be valid for ever: refused.
    requiredClaims: ['exp'],
    ...(checked.issuer === undefined ? {} : { issuer: checked.issuer }),
    ...(checked.audience === undefined ? {} : { audience: checked.audience }),
    ...(checked.clockToleranceSeconds === undefined ? {} : { clockTolerance: checked.clockToleranceSeconds }),
    ...(algorithms === undefined ? {} : { algorithms }),
  };
  const secret = typeof checked.secret === 'string' ? new TextEncoder().encode(checked.secret) : checked.secret;
  const jwks: JWTVerifyGetKey | undefined =
    checked.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(checked.jwksUrl));
  const verify = async (token: string): Promise<JWTPayload> =>
    (jwks
      ? await jwtVerify(token, jwks, verifyOptions)
      : await jwtVerify(token, (secret ?? checked.key)!, verifyOptions)
    ).payload;

  return async (request) => {
    const header = request.headers.get('authorization');
    const token = header === null ? undefined : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim())?.[1];
    if (token === undefined) return undefined;
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && REFUSED.has(code)) return undefined;
      throw error;
    }
    const id = payload.sub;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
    const role = payload[roleClaim];
    if (role !== undefined && !(userRoles as readonly unknown[]).includes(role)) return undefined;
    const actor = role === undefined ? { id } : { id, role: role as UserRole };
    // `exp` is required and checked: a change stream opened with the token ends when it does.
    const expiresAt = (payload.exp as number) * 1000;
    if (checked.tenantClaim === undefined) return { actor, expiresAt };
    const tenant = payload[checked.tenantClaim];
    if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > 128) return undefined;
    return { actor, tenant, expiresAt };
  };
}
