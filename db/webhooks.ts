// Webhook receivers of rooms and the delivery queue: rows that wait until delivered, claimed with a lease so a
// delivery whose process died is tried again by another (or the same, restarted) process.
import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { anyOf, type Database } from './client.ts';
import { participants, webhookDeliveries, webhookEndpoints, type WebhookEvent } from './schema.ts';

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

export async function addWebhookEndpoint(
  db: Database,
  input: { roomId: string; url: string; secret: string; events: WebhookEvent[] | null },
  maxPerRoom: number,
): Promise<WebhookEndpoint | undefined> {
  const rows = (await db.execute(sql`
    insert into ${webhookEndpoints} (room_id, url, secret, events)
    select ${input.roomId}, ${input.url}, ${input.secret}, ${input.events === null ? null : `{${input.events.join(',')}}`}::text[]
    where (select count(*) from ${webhookEndpoints} where room_id = ${input.roomId}) < ${maxPerRoom}
    returning id`)) as unknown as { id: string }[];
  const id = rows[0]?.id;
  if (!id) return undefined;
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

export async function listWebhookEndpoints(db: Database, roomId: string): Promise<WebhookEndpoint[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.roomId, roomId)).orderBy(webhookEndpoints.createdAt);
}

export interface NewDelivery {
  id: string;
  roomId: string;
  endpointId: string | null;
  url: string;
  event: WebhookEvent;
  body: string;
}

/** Queues deliveries; with `once`, none for a (room, event, url) that already has one (room.live is said once). */
export async function queueDeliveries(db: Database, deliveries: NewDelivery[], once = false): Promise<number> {
  let queued = 0;
  for (const d of deliveries) {
    const rows = (await db.execute(sql`
      insert into ${webhookDeliveries} (id, room_id, endpoint_id, url, event, body)
      select ${d.id}, ${d.roomId}, ${d.endpointId}, ${d.url}, ${d.event}, ${d.body}
      where ${!once} or not exists (select 1 from ${webhookDeliveries} where room_id = ${d.roomId} and event = ${d.event} and url = ${d.url})
      returning id`)) as unknown as unknown[];
    queued += rows.length;
  }
  return queued;
}

/** Due deliveries, each claimed until `leaseMs` from now and counted as an attempt. */
export async function claimDueDeliveries(db: Database, limit: number, leaseMs: number): Promise<WebhookDelivery[]> {
  const rows = (await db.execute(sql`
    update ${webhookDeliveries} set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    where id in (
      select id from ${webhookDeliveries} where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at limit ${limit} for update skip locked)
    returning id`)) as unknown as { id: string }[];
  if (rows.length === 0) return [];
  return db
    .select()
    .from(webhookDeliveries)
    .where(anyOf(webhookDeliveries.id, rows.map((r) => r.id), 'text'));
}

export async function endpointSecret(db: Database, endpointId: string): Promise<string | undefined> {
  const [row] = await db.select({ secret: webhookEndpoints.secret }).from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  return row?.secret;
}

export async function recordAttempt(
  db: Database,
  id: string,
  outcome: { delivered: true; status: number } | { delivered: false; status: number | null; error: string; retryInMs: number | null },
): Promise<void> {
  if (outcome.delivered) {
    await db
      .update(webhookDeliveries)
      .set({ status: 'delivered', lastStatus: outcome.status, lastError: null, deliveredAt: sql`now()` })
      .where(eq(webhookDeliveries.id, id));
    return;
  }
  await db
    .update(webhookDeliveries)
    .set({
      status: outcome.retryInMs === null ? 'failed' : 'pending',
      lastStatus: outcome.status,
      lastError: outcome.error.slice(0, 500),
      ...(outcome.retryInMs === null ? {} : { nextAttemptAt: sql`now() + make_interval(secs => ${outcome.retryInMs / 1000})` }),
    })
    .where(eq(webhookDeliveries.id, id));
}

/** A room's delivery log, newest first. */
export async function listDeliveries(db: Database, roomId: string, limit: number): Promise<WebhookDelivery[]> {
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.roomId, roomId)).orderBy(desc(webhookDeliveries.createdAt)).limit(limit);
}

/** Receivers of a room for one event: the room's endpoints that take every event or this one. */
export async function endpointsFor(db: Database, roomId: string, event: WebhookEvent): Promise<WebhookEndpoint[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.roomId, roomId), or(isNull(webhookEndpoints.events), sql`${event} = any(${webhookEndpoints.events})`)));
}

export async function presentCount(db: Database, roomId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(participants)
    .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt)));
  return Number(row?.n ?? 0);
}
