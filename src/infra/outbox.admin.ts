/**
 * Platform administration of event deliveries: the parked ones (dead letters) and their
 * redelivery. Only a platform role grants `events:manage`: an organization owner's `*` does not.
 */
import { sql } from 'drizzle-orm';
import { isPlatformAllowed } from './access.js';
import type { Ctx } from './context.js';
import { queryRows } from './db/client.js';
import { conflict, forbidden, notFound, unauthorized } from './errors.js';
import type { PageResult } from './schemas.js';

/** A parked delivery as the API shows it. */
export interface ParkedDeliveryDto {
  id: string;
  consumer: string;
  state: 'pending' | 'delivered' | 'parked';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
  event: { id: string; type: string; version: number; organization_id: string | null; aggregate_type: string; aggregate_id: string; created_at: string };
}

interface Row {
  id: string;
  consumer: string;
  state: ParkedDeliveryDto['state'];
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | Date;
  created_at: string | Date;
  event_id: string;
  event_type: string;
  event_version: number;
  organization_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  event_created_at: string | Date;
  total?: number;
}

const iso = (d: string | Date) => new Date(d).toISOString();
const toDto = (r: Row): ParkedDeliveryDto => ({
  id: r.id,
  consumer: r.consumer,
  state: r.state,
  attempts: r.attempts,
  last_error: r.last_error,
  next_attempt_at: iso(r.next_attempt_at),
  created_at: iso(r.created_at),
  event: {
    id: r.event_id,
    type: r.event_type,
    version: r.event_version,
    organization_id: r.organization_id,
    aggregate_type: r.aggregate_type,
    aggregate_id: r.aggregate_id,
    created_at: iso(r.event_created_at),
  },
});

const columns = sql`d.id, d.consumer, d.state, d.attempts, d.last_error, d.next_attempt_at, d.created_at,
  e.id as event_id, e.type as event_type, e.version as event_version, e.organization_id, e.aggregate_type, e.aggregate_id, e.created_at as event_created_at`;

/** @throws 401 without an actor; 403 `FORBIDDEN` unless a platform role grants `events:manage`. */
function assertPlatformAdmin(ctx: Ctx): void {
  if (!ctx.actor) throw unauthorized();
  if (!isPlatformAllowed(ctx.actor, 'events:manage')) throw forbidden('Only platform administrators manage event deliveries');
}

/**
 * The parked deliveries, oldest first, optionally of one consumer or event type: one statement
 * (the page with its total).
 * @throws 403 `FORBIDDEN` unless the caller is a platform admin.
 */
export async function listParkedDeliveries(
  ctx: Ctx,
  q: { consumer?: string; event_type?: string; limit: number; offset: number },
): Promise<PageResult<ParkedDeliveryDto>> {
  assertPlatformAdmin(ctx);
  const rows = await queryRows<Row>(
    ctx.db,
    sql`select ${columns}, count(*) over ()::int as total
          from outbox_deliveries d join outbox_events e on e.id = d.event_id
         where d.state = 'parked'
           ${q.consumer ? sql`and d.consumer = ${q.consumer}` : sql``}
           ${q.event_type ? sql`and e.type = ${q.event_type}` : sql``}
         order by d.created_at, d.id limit ${q.limit} offset ${q.offset}`,
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && q.offset > 0) {
    // Past the last page: the window count has no row to ride on.
    const [c] = await queryRows<{ n: number }>(
      ctx.db,
      sql`select count(*)::int as n from outbox_deliveries d join outbox_events e on e.id = d.event_id where d.state = 'parked'
           ${q.consumer ? sql`and d.consumer = ${q.consumer}` : sql``} ${q.event_type ? sql`and e.type = ${q.event_type}` : sql``}`,
    );
    total = c.n;
  }
  return { items: rows.map(toDto), total, limit: q.limit, offset: q.offset };
}

/**
 * Puts a parked delivery back to pending, due now, with its tries counted from zero again (one
 * conditional statement). The dispatcher picks it up at its next pass.
 * @throws 403 `FORBIDDEN` unless the caller is a platform admin; 404 when no such delivery;
 *   409 `DELIVERY_NOT_PARKED` when it is pending or delivered.
 */
export async function redeliverParked(ctx: Ctx, deliveryId: string): Promise<ParkedDeliveryDto> {
  assertPlatformAdmin(ctx);
  const [row] = await queryRows<Row>(
    ctx.db,
    sql`with moved as (
          update outbox_deliveries set state = 'pending', attempts = 0, next_attempt_at = now()
           where id = ${deliveryId} and state = 'parked' returning *)
        select ${columns} from moved d join outbox_events e on e.id = d.event_id`,
  );
  if (row) return toDto(row);
  const [existing] = await queryRows<{ state: string }>(ctx.db, sql`select state from outbox_deliveries where id = ${deliveryId}`);
  if (!existing) throw notFound('Delivery');
  throw conflict('DELIVERY_NOT_PARKED', `The delivery is ${existing.state}, not parked: only a parked delivery is redelivered`);
}
