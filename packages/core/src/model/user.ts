import * as z from 'zod/mini';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import { emailSchema, idSchema, localeSchema, nameSchema, safeUrlSchema } from './primitives.js';

/** What a user may do; enforcement lives in the services. */
export const userRoles = ['admin', 'manager', 'rep', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

const userShape = {
  name: nameSchema,
  email: emailSchema,
  role: /* @__PURE__ */ z._default(/* @__PURE__ */ z.enum(userRoles), 'rep'),
  teamId: /* @__PURE__ */ z.optional(idSchema),
  /** The most open leads assignment gives this user; absent means no limit. */
  capacity: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
  /** Inactive users keep their records but receive no new assignments. */
  active: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), true),
  locale: /* @__PURE__ */ z.optional(localeSchema),
  avatarUrl: /* @__PURE__ */ z.optional(safeUrlSchema),
};

/** What creating a user accepts. */
export const userInputSchema = /* @__PURE__ */ entityInput(userShape);
/** A stored user. */
export const userSchema = /* @__PURE__ */ entityRecord(userShape);
/** An update to a user. */
export const userPatchSchema = /* @__PURE__ */ entityPatch(userShape);
export type UserInput = z.input<typeof userInputSchema>;
export type User = z.infer<typeof userSchema>;
export type UserPatch = z.input<typeof userPatchSchema>;

const teamShape = {
  name: nameSchema,
  managerId: /* @__PURE__ */ z.optional(idSchema),
  memberIds: /* @__PURE__ */ z._default(
    /* @__PURE__ */ z.array(idSchema).check(/* @__PURE__ */ z.maxLength(1000)),
    () => [],
  ),
};

/** What creating a team accepts. */
export const teamInputSchema = /* @__PURE__ */ entityInput(teamShape);
/** A stored team. */
export const teamSchema = /* @__PURE__ */ entityRecord(teamShape);
/** An update to a team. */
export const teamPatchSchema = /* @__PURE__ */ entityPatch(teamShape);
export type TeamInput = z.input<typeof teamInputSchema>;
export type Team = z.infer<typeof teamSchema>;
export type TeamPatch = z.input<typeof teamPatchSchema>;
