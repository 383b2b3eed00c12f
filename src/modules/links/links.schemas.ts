import { Type, type Static } from '@sinclair/typebox';
import { Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';

export const LinkStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('denied'), Type.Literal('blocked')], {
  title: 'LinkStatus',
  description: '`pending` → `accepted` | `denied`; `accepted` → `blocked`; `blocked` → `accepted`; `denied` → `pending`',
});

const OrganizationRef = Type.Object({ id: Uuid, name: Type.String() }, { title: 'OrganizationRef' });

export const Link = Type.Object(
  {
    id: Uuid,
    status: LinkStatus,
    consumer: OrganizationRef,
    supplier: OrganizationRef,
    requested_by: Type.Union([Uuid, Type.Null()], { description: 'The user who asked for the link (null once that user is deleted)' }),
    decided_by: Type.Union([Uuid, Type.Null()], { description: 'The supplier member who last changed the status' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Link', description: "A consumer organization's link with a supplier; one per pair" },
);
export type LinkDto = Static<typeof Link>;
export const LinkPage = Page(Link, 'LinkPage');

export const CreateLinkRequestBody = Type.Object(
  {
    supplier_id: Uuid,
    consumer_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'The asking consumer organization; needed only when the caller may request links for several' }),
    ),
  },
  { additionalProperties: false, title: 'CreateLinkRequestBody' },
);
export type CreateLinkRequestInput = Static<typeof CreateLinkRequestBody>;

export const UpdateLinkStatusBody = Type.Object(
  {
    status: LinkStatus,
    note: Type.Optional(Type.String({ maxLength: 1000, description: 'Why; carried in the `link.status_changed` event' })),
  },
  { additionalProperties: false, title: 'UpdateLinkStatusBody' },
);
export type UpdateLinkStatusInput = Static<typeof UpdateLinkStatusBody>;

export const ListLinksQuery = Query({ status: Type.Optional(LinkStatus), ...PageQuery });
export type ListLinksInput = Static<typeof ListLinksQuery>;
