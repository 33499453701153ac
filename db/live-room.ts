// The one guard every write to a room takes, so that nothing lands after the room's end commits.
import { sql, type SQL } from 'drizzle-orm';

/**
 * The room's row, share-locked while it is live: a write that includes this commits before the room's end
 * (which takes the row exclusively and then counts what is there) or, once the end has committed, finds nothing.
 */
export const liveRoom = (roomId: string): SQL => sql`select 1 from rooms where id = ${roomId} and is_active for share`;

/** `liveRoom` as a condition for a write's WHERE clause. */
export const whileLive = (roomId: string): SQL => sql`exists (${liveRoom(roomId)})`;
