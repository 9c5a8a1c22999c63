/**
 * What the coordinator (main.ts) and the server processes (crmkit-server.ts, reference-server.ts) share: the schema
 * and tenants, the bearer tokens and the actors they stand for, and how a server process is told its setup (one JSON
 * environment variable) and tells that it listens (one line on stdout).
 */
import pg from 'pg';
import { DEMO_TIME_ZONE } from '@crmkit/core/testing';

/** The PostgreSQL schema of the run: crmkit creates it (its migrations); the reference uses the same tables. */
export const SCHEMA = 'bench_server';
/** crmkit's tenant and the reference's: the same snapshot restored into each, so both start from identical data. */
export const CRMKIT_TENANT = 'crmkit';
export const REFERENCE_TENANT = 'reference';
/** The experiments' tenants (crmkit-server.ts), seeded with the same snapshot. */
export const EXPERIMENT_TENANTS = { serialised: 'crmkit_serialised', 'audit-tail': 'crmkit_audit_tail' } as const;
/** The demo data's time zone (the CRM's setting on every server). */
export const TIME_ZONE = DEMO_TIME_ZONE;

/** An actor as `authenticate` answers it. */
export interface BenchActor {
  readonly id: string;
  readonly role: 'admin' | 'manager' | 'rep';
}

/** What a server process is started with, as JSON in `BENCH_SERVER_SETUP`. */
export interface ServerSetup {
  /** Bearer token → actor. */
  readonly tokens: Readonly<Record<string, BenchActor>>;
  readonly tenant: string;
  /** `pg` pool size of the process (the same for every server of the run). */
  readonly poolSize: number;
  /** A label for its log lines. */
  readonly name: string;
  /** crmkit only: how the experiment changes its write transactions (crmkit-server.ts); none by default. */
  readonly experiment?: 'serialised' | 'audit-tail';
}

export const SETUP_VARIABLE = 'BENCH_SERVER_SETUP';
/** The line a server prints once it listens: `listening <port>`. */
export const READY_PREFIX = 'listening ';

/** The setup this process was started with. */
export function readSetup(): ServerSetup {
  const raw = process.env[SETUP_VARIABLE];
  if (!raw) throw new Error(`${SETUP_VARIABLE} is not set: this file is started by bench/server/main.ts`);
  return JSON.parse(raw) as ServerSetup;
}

/** The `application_name` of every connection of a process, before its name. */
export const APPLICATION_PREFIX = 'crmkit-bench-server-';

/** A pool over the server of `PGHOST`/`DATABASE_URL`, tagged with `application_name` so a clean-up can find it. */
export function newPool(max: number, name: string): pg.Pool {
  return new pg.Pool({
    ...(process.env['DATABASE_URL'] ? { connectionString: process.env['DATABASE_URL'] } : {}),
    application_name: `${APPLICATION_PREFIX}${name}`,
    max,
    // Connections stay open between the rounds (a server under steady load keeps its pool warm), and their backends
    // stay the same processes, whose CPU time main.ts reads.
    idleTimeoutMillis: 0,
  });
}

/** The bearer token of a request, or `undefined`. */
export function bearer(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer (\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** Tells main.ts the process listens on `port` (the line it waits for). */
export function announce(port: number): void {
  process.stdout.write(`${READY_PREFIX}${port}\n`);
}
