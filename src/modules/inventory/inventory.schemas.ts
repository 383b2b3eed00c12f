import { Type, type Static } from '@sinclair/typebox';
import { Nullable, NullableInput, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';
import { LOCATION_KINDS, MOVEMENT_REASONS } from '../stock/index.js';

/** Largest stock quantity accepted in a request (whole units; the columns are 32-bit integers). */
export const MAX_QUANTITY = 1_000_000_000;

/** Most lines one transfer may move. */
export const MAX_TRANSFER_LINES = 100;

/** One of `values` (a JSON schema `anyOf` of constants), typed as their union; `title` names it in the OpenAPI document. */
const Literals = <T extends readonly string[]>(values: T, title?: string) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      title ? { title } : {},
    ),
  );

/* ---------- locations ---------- */

const LocationName = Type.String({ minLength: 1, maxLength: 200, description: 'Unique per supplier, case-insensitively; trimmed' });
const Address = Type.String({ maxLength: 500 });
const LocationKind = Literals(LOCATION_KINDS, 'LocationKind');
const MovementReason = Literals(MOVEMENT_REASONS, 'MovementReason');

/** A supplier's stock location: a warehouse, a branch, a store. */
export const Location = Type.Object(
  {
    id: Uuid,
    supplier_id: Uuid,
    name: Type.String(),
    address: Nullable(Type.String()),
    kind: LocationKind,
    is_active: Type.Boolean(),
    is_default: Type.Boolean({ description: 'Orders reserve stock here; exactly one per supplier that has locations' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Location' },
);
export type LocationDto = Static<typeof Location>;
export const LocationPage = Page(Location, 'LocationPage');

export const CreateLocationBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    name: LocationName,
    address: Type.Optional(NullableInput(Address)),
    kind: Type.Optional(LocationKind),
    is_active: Type.Optional(Type.Boolean({ default: true })),
    is_default: Type.Optional(
      Type.Boolean({ description: 'Make it the default (the previous default stops being one). The first location is always the default.' }),
    ),
  },
  { additionalProperties: false, title: 'CreateLocationBody' },
);
export type CreateLocationInput = Static<typeof CreateLocationBody>;

export const UpdateLocationBody = Type.Object(
  {
    name: Type.Optional(LocationName),
    address: Type.Optional(NullableInput(Address)),
    kind: Type.Optional(LocationKind),
    is_active: Type.Optional(Type.Boolean()),
    is_default: Type.Optional(Type.Boolean({ description: 'Only `true`: make this the default (another becomes the default by the same call on it)' })),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateLocationBody' },
);
export type UpdateLocationInput = Static<typeof UpdateLocationBody>;

export const ListLocationsQuery = Query({
  supplier_id: Type.Optional(Uuid),
  is_active: Type.Optional(Type.Boolean()),
  kind: Type.Optional(LocationKind),
  ...PageQuery,
});
export type ListLocationsQueryInput = Static<typeof ListLocationsQuery>;

/* ---------- stock of one product ---------- */

export const LocationStock = Type.Object(
  {
    location_id: Uuid,
    name: Type.String(),
    is_default: Type.Boolean(),
    on_hand: Type.Integer({ description: 'Whole units physically at the location' }),
    reserved: Type.Integer({ description: 'Units held by open orders' }),
    available: Type.Integer({ description: 'on_hand - reserved' }),
    reorder_point: Type.Integer(),
  },
  { title: 'LocationStock' },
);

export const Inventory = Type.Object(
  {
    product_id: Uuid,
    sku: Type.String(),
    on_hand: Type.Integer({ description: "Sum over the supplier's locations" }),
    reserved: Type.Integer(),
    available: Type.Integer(),
    locations: Type.Array(LocationStock),
  },
  { title: 'ProductInventory', description: "A product's stock: totals over the supplier's locations, and each location" },
);
export type InventoryDto = Static<typeof Inventory>;

/**
 * Reasons a person may give for a manual adjustment; the others (`initial`, `sale`, `reservation`,
 * `release`, `transfer`) are written by the system. `restock` and `return` only add stock.
 */
export const ADJUST_REASONS = ['restock', 'adjustment', 'return'] as const;
/** Manual reasons that may only raise on-hand stock. */
export const INCREASING_REASONS: readonly string[] = ['restock', 'return'];

export const AdjustInventoryBody = Type.Object(
  {
    on_hand: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUANTITY, description: 'New on-hand quantity (give this or delta)' })),
    delta: Type.Optional(
      Type.Integer({ minimum: -MAX_QUANTITY, maximum: MAX_QUANTITY, description: 'Change of the on-hand quantity, not 0 (give this or on_hand)' }),
    ),
    reason: Type.Optional(
      Type.Unsafe<(typeof ADJUST_REASONS)[number]>(
        Type.Union(
          ADJUST_REASONS.map((r) => Type.Literal(r)),
          { description: 'Required with on_hand or delta. restock and return only add stock' },
        ),
      ),
    ),
    reorder_point: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_QUANTITY, description: 'Low-stock threshold at the location: low when available ≤ reorder_point' }),
    ),
    location_id: Type.Optional(Uuid),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, title: 'AdjustInventoryBody', examples: [{ delta: 24, reason: 'restock', note: 'Delivery 2024-05-02' }] },
);
export type AdjustInventoryInput = Static<typeof AdjustInventoryBody>;

/* ---------- stock levels list ---------- */

const Ref = Type.Object({ id: Uuid, name: Type.String() }, { title: 'LocationRef' });
const ProductRef = Type.Object({ id: Uuid, sku: Type.String(), name: Type.String() }, { title: 'ProductRef' });

/** One (product, location) stock level. */
export const StockLevel = Type.Object(
  {
    product: ProductRef,
    location: Ref,
    on_hand: Type.Integer({ description: 'Whole units physically at the location' }),
    reserved: Type.Integer({ description: 'Units held by open orders' }),
    available: Type.Integer({ description: 'on_hand - reserved' }),
    reorder_point: Type.Integer(),
    low_stock: Type.Boolean({ description: 'available ≤ reorder_point' }),
    updated_at: Timestamp,
  },
  { title: 'StockLevel' },
);
export type StockLevelDto = Static<typeof StockLevel>;
export const StockLevelPage = Page(StockLevel, 'StockLevelPage');

export const ListStockLevelsQuery = Query({
  supplier_id: Type.Optional(Uuid),
  location_id: Type.Optional(Uuid),
  product_id: Type.Optional(Uuid),
  low_stock: Type.Optional(Type.Boolean({ description: 'true: only levels with available ≤ reorder_point; false: only the others' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of the product name or SKU (case-insensitive)' })),
  ...PageQuery,
});
export type ListStockLevelsQueryInput = Static<typeof ListStockLevelsQuery>;

/* ---------- movements ---------- */

export const Movement = Type.Object(
  {
    id: Uuid,
    product_id: Uuid,
    location_id: Uuid,
    product: ProductRef,
    location: Ref,
    reason: MovementReason,
    delta_on_hand: Type.Integer(),
    delta_reserved: Type.Integer(),
    on_hand_before: Type.Integer(),
    on_hand_after: Type.Integer(),
    reserved_before: Type.Integer(),
    reserved_after: Type.Integer(),
    order_id: Nullable(Uuid),
    transfer_id: Nullable(Uuid),
    actor_id: Nullable(Uuid),
    note: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { title: 'StockMovement' },
);
export type MovementDto = Static<typeof Movement>;
export const MovementPage = Page(Movement, 'StockMovementPage');

/**
 * An ISO 8601 date (`2024-05-01`) or date-time (`2024-05-01T10:00:00Z`; without an offset it is
 * UTC). Calendar validity (no 30 February) is checked by the service.
 */
const dateOrDateTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])(T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)?)?$',
    description: `${description}. ISO 8601 date or date-time (UTC when no offset)`,
    examples: ['2024-05-01', '2024-05-01T10:00:00Z'],
  });

const movementFilters = {
  location_id: Type.Optional(Uuid),
  reason: Type.Optional(MovementReason),
  transfer_id: Type.Optional(Uuid),
  from: Type.Optional(dateOrDateTime('Movements at or after this instant (a date: from its start)')),
  to: Type.Optional(dateOrDateTime('Movements at or before this instant (a date: that whole day)')),
  ...PageQuery,
};

/** `GET /products/{id}/inventory/movements` filters. */
export const MovementsQuery = Query(movementFilters);
/** `GET /inventory/movements` filters. */
export const ListMovementsQuery = Query({ supplier_id: Type.Optional(Uuid), product_id: Type.Optional(Uuid), ...movementFilters });
export type ListMovementsQueryInput = Static<typeof ListMovementsQuery>;

/* ---------- transfers ---------- */

export const TransferBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    from_location_id: Uuid,
    to_location_id: Uuid,
    lines: Type.Array(
      Type.Object(
        { product_id: Uuid, quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY, description: 'Whole units' }) },
        { additionalProperties: false, title: 'TransferLineInput' },
      ),
      { minItems: 1, maxItems: MAX_TRANSFER_LINES, description: 'Lines of the same product are merged' },
    ),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, title: 'TransferBody' },
);
export type TransferInput = Static<typeof TransferBody>;

export const Transfer = Type.Object(
  {
    transfer_id: Uuid,
    supplier_id: Uuid,
    from_location_id: Uuid,
    to_location_id: Uuid,
    note: Nullable(Type.String()),
    movements: Type.Array(Movement, { description: 'Per product (by id): the move out of the source, then the move into the destination' }),
  },
  { title: 'Transfer' },
);
export type TransferDto = Static<typeof Transfer>;
