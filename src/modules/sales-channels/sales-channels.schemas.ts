import { Type, type Static } from '@sinclair/typebox';
import { NullableInput, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';
import { CHANNEL_KINDS } from './sales-channels.tables.js';

export const ChannelKindSchema = Type.Union(
  CHANNEL_KINDS.map((k) => Type.Literal(k)),
  {
    title: 'ChannelKind',
    description: 'Where the orders come from: online, retail, phone, marketplace, wholesale, other',
  },
);

const Name = Type.String({ minLength: 1, maxLength: 100, description: 'Trimmed; unique per supplier, case-insensitively' });
const Description = Type.String({ maxLength: 1000 });

/** A supplier's sales channel. */
export const SalesChannel = Type.Object(
  {
    id: Uuid,
    supplier_id: Uuid,
    name: Type.String(),
    kind: ChannelKindSchema,
    description: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
    is_default: Type.Boolean({ description: 'The channel of orders that name none; exactly one per supplier, always active' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'SalesChannel' },
);
export type SalesChannelDto = Static<typeof SalesChannel>;
export const SalesChannelPage = Page(SalesChannel, 'SalesChannelPage');

export const CreateSalesChannelBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    name: Name,
    kind: Type.Optional(ChannelKindSchema),
    description: Type.Optional(NullableInput(Description)),
    is_active: Type.Optional(Type.Boolean({ description: 'Default true' })),
    is_default: Type.Optional(
      Type.Boolean({
        description: "Make it the supplier's default (the previous default stops being one). The supplier's first channel is the default anyway",
      }),
    ),
  },
  { additionalProperties: false, title: 'CreateSalesChannelBody' },
);
export type CreateSalesChannelInput = Static<typeof CreateSalesChannelBody>;

export const UpdateSalesChannelBody = Type.Object(
  {
    name: Type.Optional(Name),
    kind: Type.Optional(ChannelKindSchema),
    description: Type.Optional(NullableInput(Description)),
    is_active: Type.Optional(Type.Boolean()),
    is_default: Type.Optional(
      Type.Boolean({
        description:
          '`true` makes it the default (the previous default stops being one); `false` on the default is 409: make another channel the default instead',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateSalesChannelBody' },
);
export type UpdateSalesChannelInput = Static<typeof UpdateSalesChannelBody>;

export const ListSalesChannelsQuery = Query({
  supplier_id: Type.Optional(Uuid),
  is_active: Type.Optional(Type.Boolean()),
  ...PageQuery,
});
export type ListSalesChannelsQueryInput = Static<typeof ListSalesChannelsQuery>;
