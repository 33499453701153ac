// Looks a room up by the slug in a URL, which is client input like any other.
import type { Database } from '../db/client.ts';
import { findRoomBySlug, type Room } from '../db/rooms.ts';

/** The database's own check on slugs (rooms_slug_format). */
const SLUG = /^[A-Za-z0-9_-]{8,64}$/;

/** A slug no room could have (a NUL byte, say, which PostgreSQL would refuse) is simply not found. */
export async function findRoom(db: Database, slug: string | undefined): Promise<Room | undefined> {
  return slug !== undefined && SLUG.test(slug) ? findRoomBySlug(db, slug) : undefined;
}
