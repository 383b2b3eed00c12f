import { Type, type Static } from '@sinclair/typebox';
import { Money, Nullable, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';
import { FULFILMENT_TYPES, ORDER_SOURCES, ORDER_STATUSES, STOCK_STATES } from './orders.tables.js';

export const OrderStatusSchema = Type.Union(
  ORDER_STATUSES.map((s) => Type.Literal(s)),
  {
    title: 'OrderStatus',
    description: 'Order status; the allowed moves are listed under `PATCH /orders/{id}/status`',
  },
);

const Address = (what: string) => Type.String({ minLength: 1, maxLength: 500, description: `${what} address, free text (≤ 500 characters)` });

/** A customer given by name in a staff order: found by email among the supplier's customers, else created. */
export const NewCustomerBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(
      Type.String({ format: 'email', maxLength: 254, description: "Finds the supplier's existing customer with this email (case-insensitive)" }),
    ),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  {
    additionalProperties: false,
    title: 'NewCustomer',
    description:
      "Staff orders only, instead of `customer_id`: the supplier's customer with this email, else a new customer record (always new without an email: a walk-in).",
  },
);

const EXAMPLE_SUPPLIER = '01920a6e-3c4d-7b8e-9f01-23456789abcd';
const EXAMPLE_PRODUCT = '01920a6e-5a6b-7c8d-9e0f-123456789abc';
const EXAMPLE_ORDER = '01920a6f-1b2c-7d3e-8f40-56789abcdef0';

/** Requests for `POST /orders`, one per kind of order; the first is what the docs UI's "Try it out" sends. */
const PLACE_ORDER_EXAMPLES = {
  buyerOrder: {
    summary: 'Buyer order: a person from a public store, or a member of a linked consumer organization',
    description:
      'No `consumer_id`, `customer_id` or `customer`: the caller buys for their consumer organization linked to the supplier, else as a person from a public supplier.',
    value: {
      supplier_id: EXAMPLE_SUPPLIER,
      items: [{ product_id: EXAMPLE_PRODUCT, quantity: 2 }],
      fulfilment: 'delivery',
      shipping_address: '12 Herzl St, Tel Aviv',
    },
  },
  consumerOrder: {
    summary: 'Buyer order for a given consumer organization',
    value: {
      supplier_id: EXAMPLE_SUPPLIER,
      consumer_id: '01920a6e-4b5c-7d6e-8f70-123456789abc',
      items: [{ product_id: EXAMPLE_PRODUCT, quantity: 10 }],
      notes: 'Deliver before noon',
    },
  },
  staffOrderForCustomer: {
    summary: 'Staff order for an existing customer of the supplier',
    value: {
      supplier_id: EXAMPLE_SUPPLIER,
      customer_id: '01920a6e-6c7d-7e8f-9a01-23456789abcd',
      fulfilment: 'pickup',
      items: [{ product_id: EXAMPLE_PRODUCT, quantity: 1 }],
    },
  },
  staffOrderNewCustomer: {
    summary: 'Staff order for a customer given by name (found by email, else created)',
    value: {
      supplier_id: EXAMPLE_SUPPLIER,
      customer: { name: 'Dana Levi', email: 'dana@example.com', phone: '+972 50 000 0000' },
      items: [{ product_id: EXAMPLE_PRODUCT, quantity: 3 }],
    },
  },
};

export const PlaceOrderBody = Type.Object(
  {
    supplier_id: Uuid,
    consumer_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          "Buyer orders only: the consumer organization buying. Omitted: the caller's consumer organization linked to the supplier, or a customer order from a public supplier.",
      }),
    ),
    customer_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Staff orders only: a customer of the supplier the order is for.',
      }),
    ),
    customer: Type.Optional(NewCustomerBody),
    channel_id: Type.Optional(Type.String({ format: 'uuid', description: "An active sales channel of the supplier; default: the supplier's default channel" })),
    location_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'An active stock location of the supplier where the stock is reserved (and, for pickup, collected); default: the default location',
      }),
    ),
    fulfilment: Type.Optional(
      Type.Union(
        FULFILMENT_TYPES.map((f) => Type.Literal(f)),
        { default: 'delivery', description: "`delivery` (the supplier's delivery fee may apply) or `pickup`" },
      ),
    ),
    shipping_address: Type.Optional(Address('Shipping')),
    billing_address: Type.Optional(Address('Billing')),
    items: Type.Array(
      Type.Object(
        {
          product_id: Uuid,
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Whole units' }),
        },
        { additionalProperties: false, title: 'OrderItemInput' },
      ),
      { minItems: 1, maxItems: 100, description: 'Lines of the same product are merged' },
    ),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    title: 'PlaceOrderBody',
    description:
      'Give at most one of `consumer_id` (buyer orders), `customer_id` or `customer` (staff orders); ' +
      'a buyer order names none of them or `consumer_id`, a staff order exactly one of `customer_id` and `customer`. ' +
      'Any other combination is a 422.',
    'x-examples': PLACE_ORDER_EXAMPLES,
  },
);
export type PlaceOrderInput = Static<typeof PlaceOrderBody>;

const OrgRef = Type.Object({ id: Uuid, name: Type.String() });

const orderFields = {
  id: Uuid,
  number: Type.String({ description: 'Human order number, e.g. ORD-100001' }),
  status: OrderStatusSchema,
  stock_state: Type.Union(
    STOCK_STATES.map((s) => Type.Literal(s)),
    {
      description:
        'What the order holds in stock: reserved at placement, deducted when shipped or completed, released when cancelled or rejected; none for an imported historical order',
    },
  ),
  source: Type.Union(
    ORDER_SOURCES.map((s) => Type.Literal(s)),
    { description: '`buyer` (placed by the buyer), `staff` (by supplier staff for a customer) or `import`' },
  ),
  supplier: OrgRef,
  consumer: Nullable(OrgRef, "The buying organization; null for a person's order"),
  customer: Nullable(Type.Object({ id: Uuid, name: Type.String(), email: Nullable(Type.String()) }), "The supplier's customer record of the buyer"),
  channel: Nullable(OrgRef, 'The sales channel'),
  placed_by: Nullable(Uuid, 'The user who wrote the order: the buyer, or the staff member for a staff order'),
  location_id: Uuid,
  fulfilment: Type.Union(FULFILMENT_TYPES.map((f) => Type.Literal(f))),
  shipping_address: Nullable(Type.String()),
  billing_address: Nullable(Type.String()),
  currency: Type.String({ description: "ISO 4217, the supplier's currency" }),
  subtotal: Money,
  tax_rate: Type.String({
    description: 'Tax in percent of subtotal − discount as applied at placement, shown like the supplier setting with 2 to 4 decimals, e.g. "17.00" or "7.25"',
  }),
  tax_total: Money,
  shipping_total: Money,
  discount_total: Money,
  total: Money,
  notes: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const OrderLine = Type.Object(
  {
    id: Uuid,
    product_id: Uuid,
    sku: Type.String(),
    name: Type.String(),
    unit_price: Money,
    quantity: Type.Integer(),
    line_total: Money,
  },
  { title: 'OrderLine', description: "A line of an order: the product's SKU, name and price when it was placed" },
);

export const StatusChange = Type.Object(
  {
    from_status: Type.Union([OrderStatusSchema, Type.Null()]),
    to_status: OrderStatusSchema,
    note: Type.Union([Type.String(), Type.Null()]),
    actor_id: Type.Union([Uuid, Type.Null()]),
    created_at: Timestamp,
  },
  { title: 'OrderStatusChange' },
);

/** A stock movement of the order, as shown to supplier staff with `inventory:read`. */
export const OrderStockMovement = Type.Object(
  {
    id: Uuid,
    product_id: Uuid,
    location_id: Uuid,
    reason: Type.String({ description: '`reservation` at placement, `sale` when shipped or completed, `release` when cancelled or rejected' }),
    on_hand_before: Type.Integer(),
    on_hand_after: Type.Integer(),
    reserved_before: Type.Integer(),
    reserved_after: Type.Integer(),
    actor_id: Nullable(Uuid),
    created_at: Timestamp,
  },
  { title: 'OrderStockMovement' },
);

const EXAMPLE_ORDER_FIELDS = {
  id: EXAMPLE_ORDER,
  number: 'ORD-100001',
  status: 'pending',
  stock_state: 'reserved',
  source: 'buyer',
  supplier: { id: EXAMPLE_SUPPLIER, name: 'Mami Supermarket' },
  consumer: null,
  customer: { id: '01920a6e-6c7d-7e8f-9a01-23456789abcd', name: 'Shopper', email: 'shopper@example.com' },
  channel: { id: '01920a6e-7d8e-7f90-8a12-3456789abcde', name: 'Online store' },
  placed_by: '01920a6e-8e9f-7a01-9b23-456789abcdef',
  location_id: '01920a6e-9fa0-7b12-8c34-56789abcdef0',
  fulfilment: 'delivery',
  shipping_address: '12 Herzl St, Tel Aviv',
  billing_address: null,
  currency: 'ILS',
  subtotal: '55.60',
  tax_rate: '0.00',
  tax_total: '0.00',
  shipping_total: '30.00',
  discount_total: '0.00',
  total: '85.60',
  notes: null,
  created_at: '2024-05-01T09:30:00.000Z',
  updated_at: '2024-05-01T09:30:00.000Z',
};

export const Order = Type.Object(
  {
    ...orderFields,
    lines: Type.Array(OrderLine),
    status_history: Type.Array(StatusChange),
    stock_movements: Type.Optional(
      Type.Array(OrderStockMovement, {
        description:
          "Only for supplier staff with `inventory:read` in the order's supplier (absent otherwise: buyers never see the supplier's on-hand figures)",
      }),
    ),
  },
  {
    title: 'Order',
    examples: [
      {
        ...EXAMPLE_ORDER_FIELDS,
        lines: [
          {
            id: '01920a6f-2c3d-7e4f-8a51-6789abcdef01',
            product_id: EXAMPLE_PRODUCT,
            sku: 'DAIRY-001',
            name: 'Milk 3% 1 l',
            unit_price: '6.90',
            quantity: 2,
            line_total: '13.80',
          },
          {
            id: '01920a6f-2c3d-7e4f-8a51-6789abcdef02',
            product_id: '01920a6e-5a6b-7c8d-9e0f-123456789abd',
            sku: 'CHEESE-007',
            name: 'Gouda 200 g',
            unit_price: '20.90',
            quantity: 2,
            line_total: '41.80',
          },
        ],
        status_history: [
          { from_status: null, to_status: 'pending', note: null, actor_id: '01920a6e-8e9f-7a01-9b23-456789abcdef', created_at: '2024-05-01T09:30:00.000Z' },
        ],
      },
    ],
  },
);
export type OrderDto = Static<typeof Order>;

export const OrderSummary = Type.Object(
  { ...orderFields, line_count: Type.Integer() },
  { title: 'OrderSummary', description: 'An order in a list: without lines and history' },
);
export type OrderSummaryDto = Static<typeof OrderSummary>;
export const OrderPage = Page(OrderSummary, 'OrderPage');

/** `YYYY-MM-DD` or an ISO 8601 date-time (offset optional: UTC when absent). */
const DateOrDateTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?)?$',
    maxLength: 40,
    description,
  });

export const ListOrdersQuery = Query({
  status: Type.Optional(OrderStatusSchema),
  supplier_id: Type.Optional(Uuid),
  consumer_id: Type.Optional(Uuid),
  customer_id: Type.Optional(Uuid),
  channel_id: Type.Optional(Uuid),
  created_from: Type.Optional(DateOrDateTime('Orders created at or after this time; a date means 00:00 UTC that day')),
  created_to: Type.Optional(DateOrDateTime('Orders created at or before this time; a date includes that whole day (UTC)')),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Exact order number, e.g. ORD-100001' })),
  ...PageQuery,
});
export type ListOrdersInput = Static<typeof ListOrdersQuery>;

export const ChangeStatusBody = Type.Object(
  { status: OrderStatusSchema, note: Type.Optional(Type.String({ maxLength: 1000, description: 'Kept in the status history' })) },
  { additionalProperties: false, title: 'ChangeOrderStatusBody', examples: [{ status: 'accepted', note: 'Packed this afternoon' }] },
);
export type ChangeStatusInput = Static<typeof ChangeStatusBody>;

export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Kept as the note of the status change' })) },
  { additionalProperties: false, title: 'CancelOrderBody' },
);

/** `GET /customers/{id}/orders` query. */
export const CustomerOrdersQuery = Query({ status: Type.Optional(OrderStatusSchema), ...PageQuery });
export type CustomerOrdersInput = Static<typeof CustomerOrdersQuery>;

/** `GET /products/{id}/orders` query. */
export const ProductOrdersQuery = Query({ status: Type.Optional(OrderStatusSchema), ...PageQuery });
export type ProductOrdersInput = Static<typeof ProductOrdersQuery>;

/** One sale of a product ("who bought this product"): the order, the customer and the line. */
export const ProductOrderRow = Type.Object(
  {
    order: Type.Object({ id: Uuid, number: Type.String(), status: OrderStatusSchema, created_at: Timestamp }),
    customer: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    quantity: Type.Integer(),
    unit_price: Money,
    line_total: Money,
    currency: Type.String(),
  },
  { title: 'ProductOrderRow' },
);
export type ProductOrderRowDto = Static<typeof ProductOrderRow>;
export const ProductOrderPage = Page(ProductOrderRow, 'ProductOrderPage');
