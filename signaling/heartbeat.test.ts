// Participants nobody vouches for (a crashed process, a join that never connected) give up their place.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { findParticipant } from '../db/participants.ts';
import { participants } from '../db/schema.ts';
import { until } from '../testing/until.ts';
import { createTestRoom, joinAs, nextEvent, recordEvents, useSignaling } from './testing.ts';

const live = useSignaling({ RECONNECT_GRACE_MS: '200' }, { heartbeatMs: 100 });

/** Pretends nobody has seen the participant for ten minutes. */
async function age(participantId: string) {
  await live.db
    .update(participants)
    .set({ seenAt: sql`now() - interval '10 minutes'` })
    .where(eq(participants.id, participantId));
}

describe('heartbeat', () => {
  it('should announce as gone a participant nobody has seen, and keep those whose sockets are held', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const { socket: presenterSocket } = await joinAs(live.url, presenter, room.slug);
    const connected = await addAttendee('Connected');
    const { socket: attendeeSocket } = await joinAs(live.url, connected, room.slug);
    const ghost = await addAttendee('Never connected');
    const seen = recordEvents(attendeeSocket);
    const left = nextEvent(presenterSocket, 'participant-left', 5_000, (p) => p.participantId === ghost.id);

    await age(ghost.id);
    await age(connected.id);
    await age(presenter.id);

    expect(await left).toEqual({ participantId: ghost.id });
    expect((await findParticipant(live.db, room.id, ghost.id))?.leftAt).not.toBeNull();
    // The held sockets were vouched for again, so their owners stay.
    await until(async () => {
      const row = await findParticipant(live.db, room.id, connected.id);
      return row !== undefined && Date.now() - row.seenAt.getTime() < 60_000;
    }, 'the heartbeat to mark the participant seen', 10_000);
    expect((await findParticipant(live.db, room.id, connected.id))?.leftAt).toBeNull();
    expect((await findParticipant(live.db, room.id, presenter.id))?.leftAt).toBeNull();
    expect(seen.filter((e) => e.event === 'participant-left').map((e) => e.payload)).toEqual([{ participantId: ghost.id }]);
  });
});
