// Where the sales desk's data lives, and who is signed in.
//
// - "Team (server)": the CRM `npm start` serves on this page's origin under /api (examples/portal/team-server.ts),
//   through `createRemoteCrm` as one of the demo users; every window may be signed in as someone else, and sees the
//   others' changes arrive through the client's change stream. The default whenever the server answers.
// - "This browser (IndexedDB)": everything in this browser, as a page without a server would have it.
//
// The demo users and their tokens come from `GET /demo/users`, which the team server answers for pages on its own
// computer only. A real host signs its users in and hands `createRemoteCrm` their token: this is a demo's sign-in.
import type { UserRole } from '@crmkit/core';

export type Mode = 'team' | 'browser';

/** A demo user the team server offers, with the bearer token it made for them at its start. */
export interface DemoUser {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  readonly token: string;
}

/** Whether this page has a team server (not asked yet): its users; one that serves only its own computer; or none. */
export type Team =
  | { readonly state: 'unknown' }
  | { readonly state: 'available'; readonly users: readonly DemoUser[] }
  | { readonly state: 'local-only' }
  | { readonly state: 'absent' };

/** The API's base path, on this page's origin. */
export const API_URL = '/api';
const USERS_URL = '/demo/users';
const MODE_KEY = 'lumen-intranet.mode';
const USER_KEY = 'lumen-intranet.demo-user';
const ROLES: readonly string[] = ['admin', 'manager', 'rep', 'viewer'];

/** Asks the page's origin for the team server's demo users. */
export async function findTeam(): Promise<Team> {
  let response: Response;
  try {
    response = await fetch(USERS_URL, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch {
    return { state: 'absent' };
  }
  if (response.status === 403) return { state: 'local-only' };
  // A server without the team server may answer any path with the page itself.
  if (!response.ok || !/^application\/json\b/.test(response.headers.get('content-type') ?? '')) {
    return { state: 'absent' };
  }
  const body: unknown = await response.json().catch(() => undefined);
  const users = (body as { users?: unknown } | undefined)?.users;
  if (!Array.isArray(users)) return { state: 'absent' };
  const valid = users.filter(
    (user): user is DemoUser =>
      typeof user === 'object' &&
      user !== null &&
      typeof user.id === 'string' &&
      typeof user.name === 'string' &&
      typeof user.token === 'string' &&
      ROLES.includes(user.role),
  );
  return valid.length > 0 ? { state: 'available', users: valid } : { state: 'absent' };
}

/** The mode the page starts in: the one chosen last, team mode when there is no choice yet and a team server. */
export function startMode(team: Team): Mode {
  return read(() => localStorage, MODE_KEY) !== 'browser' && team.state === 'available' ? 'team' : 'browser';
}

/**
 * Who this window is signed in as: its own choice (a second window may be someone else), else the choice made last in
 * any window, else the first user (the administrator).
 */
export function signedInUser(users: readonly DemoUser[]): DemoUser {
  const chosen = read(() => sessionStorage, USER_KEY) ?? read(() => localStorage, USER_KEY);
  return users.find((user) => user.id === chosen) ?? users[0]!;
}

/** Remembers a choice: the mode for every window, the user for this window (and as the next window's default). */
export function remember(mode: Mode, userId: string | undefined): void {
  write(() => localStorage, MODE_KEY, mode);
  if (userId !== undefined) {
    write(() => sessionStorage, USER_KEY, userId);
    write(() => localStorage, USER_KEY, userId);
  }
}

function read(storage: () => Storage, key: string): string | undefined {
  try {
    return storage().getItem(key) ?? undefined;
  } catch {
    // Storage may be refused (privacy settings): nothing was chosen then.
    return undefined;
  }
}

function write(storage: () => Storage, key: string, value: string): void {
  try {
    storage().setItem(key, value);
  } catch {
    // Not remembered; the choice still applies to this page.
  }
}
