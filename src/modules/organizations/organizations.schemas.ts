import { Type, type Static } from '@sinclair/typebox';
import { Money, MoneyInput, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';

export const OrganizationType = Type.Union([Type.Literal('supplier'), Type.Literal('consumer')], {
  title: 'OrganizationType',
  description: '`supplier` (sells: catalog, stock, orders received) or `consumer` (buys: links, orders placed)',
});
export const CatalogVisibility = Type.Union([Type.Literal('linked'), Type.Literal('public')], {
  title: 'CatalogVisibility',
  description: '`linked`: only consumers with an accepted link see the catalog; `public`: anyone (a store)',
});

export const Organization = Type.Object(
  {
    id: Uuid,
    type: OrganizationType,
    name: Type.String(),
    slug: Type.String(),
    catalog_visibility: CatalogVisibility,
    currency: Type.String({ description: 'ISO 4217' }),
    is_active: Type.Boolean(),
    tax_rate: Type.Union([Type.String(), Type.Null()], {
      description:
        'Supplier setting: tax in percent of the order subtotal, a decimal string with 2 to 4 decimals ("17.00", "17.5" → "17.50", ' +
        '"7.125"); "0.00" = no tax. Null for a consumer',
      examples: ['17.00'],
    }),
    delivery_fee: Type.Union([Money, Type.Null()], {
      description: 'Supplier setting: fee added to a delivery order, in `currency` with its minor digits; "0.00" = free delivery. Null for a consumer',
    }),
    free_delivery_threshold: Type.Union([Money, Type.Null()], {
      description:
        'Supplier setting: a delivery order whose subtotal reaches this amount pays no fee; null = no threshold (always the fee). Null for a consumer',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
    my_role: Type.Union([Type.String(), Type.Null()], { description: "The caller's role in it, null for a platform admin who is not a member" }),
  },
  { title: 'Organization' },
);
export type OrganizationDto = Static<typeof Organization>;
export const OrganizationPage = Page(Organization, 'OrganizationPage');

export const CreateOrganizationBody = Type.Object(
  {
    type: OrganizationType,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    catalog_visibility: Type.Optional(CatalogVisibility),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, default KZT; fixed once created' })),
  },
  {
    additionalProperties: false,
    title: 'CreateOrganizationBody',
    examples: [{ type: 'supplier', name: 'Acme Wholesale Supplies', catalog_visibility: 'linked', currency: 'KZT' }],
  },
);
export type CreateOrganizationInput = Static<typeof CreateOrganizationBody>;

/** A tax rate in a request: a decimal string or a number, in percent; checked exactly in the service (0..100, ≤ 4 decimals). */
export const TaxRateInput = Type.Union(
  [Type.String({ pattern: '^\\s*[-+]?[0-9]{1,20}(\\.[0-9]{1,20})?\\s*$', description: 'Percent, e.g. "17" or "17.5"' }), Type.Number()],
  { description: 'Percent of the order subtotal, 0..100, at most 4 decimals' },
);

export const UpdateOrganizationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    catalog_visibility: Type.Optional(CatalogVisibility),
    tax_rate: Type.Optional(TaxRateInput),
    delivery_fee: Type.Optional(
      Type.Union(MoneyInput.anyOf, { description: "Suppliers only: ≥ 0, in the organization's currency with at most its minor digits" }),
    ),
    free_delivery_threshold: Type.Optional(
      Type.Union([Type.Null(), ...MoneyInput.anyOf], {
        description: "Suppliers only: ≥ 0 in the organization's currency, or null for no threshold",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateOrganizationBody' },
);
export type UpdateOrganizationInput = Static<typeof UpdateOrganizationBody>;

export const ListOrganizationsQuery = Query({ type: Type.Optional(OrganizationType), ...PageQuery });

export const Member = Type.Object(
  {
    user_id: Uuid,
    email: Type.String(),
    full_name: Type.String(),
    role: Type.String(),
    joined_at: Timestamp,
  },
  { title: 'Member' },
);
export const MemberPage = Page(Member, 'MemberPage');
export const AddMemberBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: Type.String({ minLength: 1, maxLength: 50 }) },
  { additionalProperties: false, title: 'AddMemberBody' },
);
export const UpdateMemberBody = Type.Object({ role: Type.String({ minLength: 1, maxLength: 50 }) }, { additionalProperties: false, title: 'UpdateMemberBody' });
export const MemberParams = Type.Object({ id: Uuid, user_id: Uuid });

export const Supplier = Type.Object(
  { id: Uuid, name: Type.String(), slug: Type.String(), catalog_visibility: CatalogVisibility, currency: Type.String() },
  { title: 'Supplier' },
);
export const SupplierPage = Page(Supplier, 'SupplierPage');
export const ListSuppliersQuery = Query({ q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the name' })), ...PageQuery });
