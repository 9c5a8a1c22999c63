import * as z from 'zod/mini';
import { defineEntity } from './entity.js';
import { emailSchema, idSchema, localeSchema, nameSchema, safeUrlSchema } from './primitives.js';

/** What a user may do; enforcement lives in the services. */
export const userRoles = ['admin', 'manager', 'rep', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

const user = defineEntity({
  name: nameSchema,
  email: emailSchema,
  role: z._default(z.enum(userRoles), 'rep'),
  teamId: z.optional(idSchema),
  /** The most open leads assignment gives this user; absent means no limit. */
  capacity: z.optional(z.int().check(z.nonnegative())),
  /** Inactive users keep their records but receive no new assignments. */
  active: z._default(z.boolean(), true),
  locale: z.optional(localeSchema),
  avatarUrl: z.optional(safeUrlSchema),
});

/** What creating a user accepts. */
export const userInputSchema = user.input;
/** A stored user. */
export const userSchema = user.record;
/** An update to a user. */
export const userPatchSchema = user.patch;
export type UserInput = z.input<typeof userInputSchema>;
export type User = z.infer<typeof userSchema>;
export type UserPatch = z.input<typeof userPatchSchema>;

const team = defineEntity({
  name: nameSchema,
  managerId: z.optional(idSchema),
  memberIds: z._default(z.array(idSchema).check(z.maxLength(1000)), () => []),
});

/** What creating a team accepts. */
export const teamInputSchema = team.input;
/** A stored team. */
export const teamSchema = team.record;
/** An update to a team. */
export const teamPatchSchema = team.patch;
export type TeamInput = z.input<typeof teamInputSchema>;
export type Team = z.infer<typeof teamSchema>;
export type TeamPatch = z.input<typeof teamPatchSchema>;
