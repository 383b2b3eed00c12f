import { Type, type Static } from '@sinclair/typebox';
import { Money, Nullable, NullableInput, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Trimmed; not blank' });
const Email = Type.String({ format: 'email', maxLength: 254, description: "Stored lower-cased; unique among the supplier's customers" });
const Phone = Type.String({ minLength: 1, maxLength: 50 });
const Address = Type.String({ maxLength: 1000 });
const Notes = Type.String({ maxLength: 5000, description: 'Staff notes, never shown to the buyer' });

/** The fields staff may write, shared by create and update. */
const writable = {
  name: Name,
  email: NullableInput(Email),
  phone: NullableInput(Phone),
  shipping_address: NullableInput(Address),
  billing_address: NullableInput(Address),
  notes: NullableInput(Notes),
};

/**
 * A supplier's customer as its staff see it, with figures computed from the supplier's orders when
 * read: `order_count` (every order of the customer, whatever its status) and `total_spent` (sum of
 * `total` of the orders not cancelled, rejected or refunded) in `currency`, the supplier's currency.
 */
export const Customer = Type.Object(
  {
    id: Uuid,
    supplier_id: Uuid,
    name: Type.String(),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    shipping_address: Nullable(Type.String()),
    billing_address: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    user_id: Type.Union([Uuid, Type.Null()], { description: "The buyer's account when the customer has one; read-only" }),
    consumer: Type.Union([Type.Object({ id: Uuid, name: Type.String() }, { title: 'OrganizationRef' }), Type.Null()], {
      description: 'The consumer organization this record is for (B2B buyer); null for a person. Read-only: set when the organization orders',
    }),
    order_count: Type.Integer({ description: 'Orders of this customer, every status included' }),
    total_spent: Money,
    currency: Type.String({ description: "ISO 4217, the supplier's currency (of total_spent)" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Customer' },
);
export type CustomerDto = Static<typeof Customer>;
export const CustomerPage = Page(Customer, 'CustomerPage');

export const CreateCustomerBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    name: writable.name,
    email: Type.Optional(writable.email),
    phone: Type.Optional(writable.phone),
    shipping_address: Type.Optional(writable.shipping_address),
    billing_address: Type.Optional(writable.billing_address),
    notes: Type.Optional(writable.notes),
  },
  {
    additionalProperties: false,
    title: 'CreateCustomerBody',
    examples: [{ name: 'Dana Levi', email: 'dana@example.com', phone: '+972 50 000 0000', shipping_address: '12 Herzl St, Tel Aviv' }],
  },
);
export type CreateCustomerInput = Static<typeof CreateCustomerBody>;

export const UpdateCustomerBody = Type.Object(
  {
    name: Type.Optional(writable.name),
    email: Type.Optional(writable.email),
    phone: Type.Optional(writable.phone),
    shipping_address: Type.Optional(writable.shipping_address),
    billing_address: Type.Optional(writable.billing_address),
    notes: Type.Optional(writable.notes),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateCustomerBody' },
);
export type UpdateCustomerInput = Static<typeof UpdateCustomerBody>;

export const ListCustomersQuery = Query({
  supplier_id: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive match on name or email (`%` and `_` match themselves)' })),
  sort: Type.Optional(
    Type.String({
      maxLength: 100,
      description: 'Comma separated keys among name, created_at; prefix with - for descending. Default name',
      examples: ['-created_at'],
    }),
  ),
  ...PageQuery,
});
export type ListCustomersQueryInput = Static<typeof ListCustomersQuery>;
