/**
 * Access control: permissions, built-in roles, the actor of a request, and the one function that
 * answers "may this actor do P in organization O?".
 *
 * A permission is `resource:action`; a role's list may hold wildcards (`orders:*`, `*`).
 */
import { forbidden, notFound, unauthorized } from './errors.js';

/** Every permission a route can declare (`config.permission`) or a service can check (`can`, `assertCan`). */
export const PERMISSIONS = [
  'organizations:read',
  'organizations:update',
  'members:read',
  'members:manage',
  'links:request',
  'links:read',
  'links:decide',
  'categories:read',
  'categories:manage',
  'products:read',
  'products:manage',
  'inventory:read',
  'inventory:adjust',
  'locations:read',
  'locations:manage',
  'customers:read',
  'customers:manage',
  'channels:read',
  'channels:manage',
  'imports:run',
  'orders:create',
  'orders:read',
  'orders:decide',
  'orders:update_status',
  'orders:cancel',
  'orders:refund',
  'catalog:browse',
  'audit:read',
  /** Event deliveries (parked ones, redelivery): platform admins only; the service refuses organization roles. */
  'events:manage',
] as const;
/** A permission of `PERMISSIONS`: a typo in a route's config or an access check does not compile. */
export type Permission = (typeof PERMISSIONS)[number];

export type RoleScope = 'platform' | 'supplier' | 'consumer';

/** A built-in role: its key, scope and permission list. Upserted into `roles` at start. */
export interface BuiltinRole {
  key: string;
  scope: RoleScope;
  name: string;
  permissions: string[];
}

/**
 * The built-in roles. Seed 000's owner/manager/sales and seed 002's picker ("employee") map here;
 * a consumer organization has an `owner` and `buyer`s.
 */
export const BUILTIN_ROLES: BuiltinRole[] = [
  { key: 'admin', scope: 'platform', name: 'Platform administrator', permissions: ['*'] },
  { key: 'owner', scope: 'supplier', name: 'Owner', permissions: ['*'] },
  {
    key: 'manager',
    scope: 'supplier',
    name: 'Manager',
    permissions: [
      'organizations:read',
      'organizations:update',
      'members:*',
      'links:*',
      'categories:*',
      'products:*',
      'inventory:*',
      'locations:*',
      'customers:*',
      'channels:*',
      'imports:*',
      'orders:*',
      'catalog:browse',
      'audit:read',
    ],
  },
  {
    key: 'sales',
    scope: 'supplier',
    name: 'Sales representative',
    permissions: [
      'organizations:read',
      'members:read',
      'links:read',
      'categories:read',
      'products:read',
      'inventory:read',
      'locations:read',
      'customers:read',
      'customers:manage',
      'channels:read',
      'orders:read',
      'orders:create',
      'orders:update_status',
      'catalog:browse',
    ],
  },
  {
    key: 'employee',
    scope: 'supplier',
    name: 'Employee',
    permissions: [
      'organizations:read',
      'categories:read',
      'products:read',
      'inventory:read',
      'locations:read',
      'customers:read',
      'channels:read',
      'orders:read',
      'orders:update_status',
      'catalog:browse',
    ],
  },
  { key: 'owner', scope: 'consumer', name: 'Owner', permissions: ['*'] },
  {
    key: 'buyer',
    scope: 'consumer',
    name: 'Buyer',
    permissions: ['organizations:read', 'members:read', 'links:request', 'links:read', 'orders:create', 'orders:read', 'orders:cancel', 'catalog:browse'],
  },
];

/** Role keys valid in each organization type (for member management input). */
export const ORG_ROLE_KEYS: Record<'supplier' | 'consumer', string[]> = {
  supplier: ['owner', 'manager', 'sales', 'employee'],
  consumer: ['owner', 'buyer'],
};

/** A membership as the access check sees it. */
export interface ActorMembership {
  organizationId: string;
  organizationType: 'supplier' | 'consumer';
  role: string;
  permissions: string[];
}

/** The authenticated user of a request, with everything access checks need (one query). */
export interface Actor {
  userId: string;
  email: string;
  platformPermissions: string[];
  memberships: ActorMembership[];
}

/**
 * True when `granted` (a role's list, wildcards allowed) includes `permission`. Takes any text, so
 * that tooling can match permissions read from the OpenAPI document; code checks go through `can`.
 */
export function permits(granted: readonly string[], permission: string): boolean {
  const [resource] = permission.split(':');
  return granted.some((g) => g === '*' || g === permission || g === `${resource}:*`);
}

/** True when the actor is a platform admin for this permission (a platform role grants it). */
export function isPlatformAllowed(actor: Actor, permission: Permission): boolean {
  return permits(actor.platformPermissions, permission);
}

/** The actor's membership in an organization, if any. */
export function membershipOf(actor: Actor | null, organizationId: string): ActorMembership | undefined {
  return actor?.memberships.find((m) => m.organizationId === organizationId);
}

/**
 * May this actor do `permission` in organization `organizationId`?
 * Platform roles count everywhere; otherwise the membership's role decides.
 */
export function can(actor: Actor | null, permission: Permission, organizationId?: string): boolean {
  if (!actor) return false;
  if (isPlatformAllowed(actor, permission)) return true;
  if (organizationId === undefined) return actor.memberships.some((m) => permits(m.permissions, permission));
  const m = membershipOf(actor, organizationId);
  return m !== undefined && permits(m.permissions, permission);
}

/**
 * Asserts `can(actor, permission, organizationId)`.
 * @throws 401 without an actor; 404 `notFoundWhat` when the actor has no membership there (the
 *   organization's objects are invisible to outsiders); 403 when a member lacks the permission.
 */
export function assertCan(actor: Actor | null, permission: Permission, organizationId: string, notFoundWhat: string): Actor {
  if (!actor) throw unauthorized();
  if (can(actor, permission, organizationId)) return actor;
  if (!membershipOf(actor, organizationId)) throw notFound(notFoundWhat);
  throw forbidden(`Your role does not allow ${permission}`);
}

/**
 * The one organization of `type` where the actor holds `permission`, for routes whose body may omit
 * the organization id. `explicitId` wins when given.
 * @throws 403 when the actor holds the permission in no such organization; 422-style AppError via
 *   `ambiguous()` when it holds it in several and gave no id.
 */
export function resolveOrganization(
  actor: Actor,
  type: 'supplier' | 'consumer',
  permission: Permission,
  explicitId: string | undefined,
  ambiguous: () => Error,
): string {
  if (explicitId) return explicitId;
  const candidates = actor.memberships.filter((m) => m.organizationType === type && permits(m.permissions, permission));
  if (candidates.length === 1) return candidates[0].organizationId;
  if (candidates.length === 0) throw forbidden(`You need ${permission} in a ${type} organization`);
  throw ambiguous();
}
