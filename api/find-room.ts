// Looks a room up by the slug in a URL, which is client input like any other.
import type { Database } from '../db/client.ts';
import { findRoomBySlug, type Room } from '../db/rooms.ts';
// The database's own check on slugs (rooms_slug_format) reads the same limits.
import { SLUG_PATTERN } from '../core/limits.ts';


/** A slug no room could have (a NUL byte, say, which PostgreSQL would refuse) is simply not found. */
export async function findRoom(db: Database, slug: string | undefined): Promise<Room | undefined> {
  return slug !== undefined && SLUG_PATTERN.test(slug) ? findRoomBySlug(db, slug) : undefined;
}
