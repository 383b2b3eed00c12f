import { Type, type Static } from '@sinclair/typebox';
import { Money, Page, PageQuery, Timestamp, Uuid } from '../../infra/schemas.js';
import { ORDER_STATUSES, STOCK_STATES } from './orders.tables.js';

export const OrderStatusSchema = Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)), { description: 'Order status (DESIGN.md section 6)' });

export const PlaceOrderBody = Type.Object(
  {
    supplier_id: Uuid,
    consumer_id: Type.Optional(Type.String({
      format: 'uuid',
      description: 'The consumer organization buying. Omitted: the caller\'s consumer organization linked to the supplier, or a customer order from a public supplier.',
    })),
    items: Type.Array(
      Type.Object(
        {
          product_id: Uuid,
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Whole units' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100, description: 'Lines of the same product are merged' },
    ),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type PlaceOrderInput = Static<typeof PlaceOrderBody>;

const OrgRef = Type.Object({ id: Uuid, name: Type.String() });

const orderFields = {
  id: Uuid,
  number: Type.String({ description: 'Human order number, e.g. ORD-100001' }),
  status: OrderStatusSchema,
  stock_state: Type.Union(STOCK_STATES.map((s) => Type.Literal(s)), {
    description: 'What the order holds in stock: reserved at placement, deducted when shipped or completed, released when cancelled or rejected; none for an imported historical order',
  }),
  supplier: OrgRef,
  consumer: Type.Union([OrgRef, Type.Null()], { description: 'The buying organization; null for a customer order' }),
  placed_by: Type.Union([Uuid, Type.Null()]),
  location_id: Uuid,
  currency: Type.String({ description: 'ISO 4217, the supplier\'s currency' }),
  subtotal: Money,
  tax_total: Money,
  shipping_total: Money,
  discount_total: Money,
  total: Money,
  notes: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const OrderLine = Type.Object({
  id: Uuid,
  product_id: Uuid,
  sku: Type.String(),
  name: Type.String(),
  unit_price: Money,
  quantity: Type.Integer(),
  line_total: Money,
});

export const StatusChange = Type.Object({
  from_status: Type.Union([OrderStatusSchema, Type.Null()]),
  to_status: OrderStatusSchema,
  note: Type.Union([Type.String(), Type.Null()]),
  actor_id: Type.Union([Uuid, Type.Null()]),
  created_at: Timestamp,
});

export const Order = Type.Object({ ...orderFields, lines: Type.Array(OrderLine), status_history: Type.Array(StatusChange) });
export type OrderDto = Static<typeof Order>;

export const OrderSummary = Type.Object({ ...orderFields, line_count: Type.Integer() });
export type OrderSummaryDto = Static<typeof OrderSummary>;
export const OrderPage = Page(OrderSummary);

export const ListOrdersQuery = Type.Object({
  status: Type.Optional(OrderStatusSchema),
  supplier_id: Type.Optional(Uuid),
  consumer_id: Type.Optional(Uuid),
  ...PageQuery,
});
export type ListOrdersInput = Static<typeof ListOrdersQuery>;

export const ChangeStatusBody = Type.Object(
  { status: OrderStatusSchema, note: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type ChangeStatusInput = Static<typeof ChangeStatusBody>;

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });
