import { Type, type Static } from '@sinclair/typebox';
import { Page, PageQuery, Timestamp, Uuid } from '../../infra/schemas.js';
import { MOVEMENT_REASONS } from './inventory.tables.js';

/** Largest stock quantity accepted in a request (whole units; the columns are 32-bit integers). */
export const MAX_QUANTITY = 1_000_000_000;

export const LocationStock = Type.Object({
  location_id: Uuid,
  name: Type.String(),
  is_default: Type.Boolean(),
  on_hand: Type.Integer({ description: 'Whole units physically at the location' }),
  reserved: Type.Integer({ description: 'Units held by open orders' }),
  available: Type.Integer({ description: 'on_hand - reserved' }),
  reorder_point: Type.Integer(),
});

export const Inventory = Type.Object({
  product_id: Uuid,
  sku: Type.String(),
  on_hand: Type.Integer({ description: 'Sum over the supplier\'s locations' }),
  reserved: Type.Integer(),
  available: Type.Integer(),
  locations: Type.Array(LocationStock),
});
export type InventoryDto = Static<typeof Inventory>;

/** Reasons a person may give for a manual adjustment; the others are written by the system. */
export const ADJUST_REASONS = ['restock', 'adjustment', 'return'] as const;

export const AdjustInventoryBody = Type.Object(
  {
    on_hand: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUANTITY, description: 'New on-hand quantity (give this or delta)' })),
    delta: Type.Optional(Type.Integer({ minimum: -MAX_QUANTITY, maximum: MAX_QUANTITY, description: 'Change of the on-hand quantity, not 0 (give this or on_hand)' })),
    reason: Type.Union(ADJUST_REASONS.map((r) => Type.Literal(r))),
    location_id: Type.Optional(Uuid),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type AdjustInventoryInput = Static<typeof AdjustInventoryBody>;

export const Movement = Type.Object({
  id: Uuid,
  product_id: Uuid,
  location_id: Uuid,
  reason: Type.Union(MOVEMENT_REASONS.map((r) => Type.Literal(r))),
  delta_on_hand: Type.Integer(),
  on_hand_before: Type.Integer(),
  on_hand_after: Type.Integer(),
  reserved_before: Type.Integer(),
  reserved_after: Type.Integer(),
  order_id: Type.Union([Uuid, Type.Null()]),
  actor_id: Type.Union([Uuid, Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});
export type MovementDto = Static<typeof Movement>;
export const MovementPage = Page(Movement);
export const MovementsQuery = Type.Object(PageQuery);
