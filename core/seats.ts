// Seats, part of the room core (room.ts spreads these into it): an attendee leaving on purpose frees their seat at
// once, the presenter changes the room's limit live, and joins refused for want of a seat are counted for the hosts.
import type { Database } from '../db/client.ts';
import { listHostIds } from '../db/moderation.ts';
import { countRefusedJoin, leaveRoom, setCapacity } from '../db/seats.ts';
import type { SeatInput } from './actions.ts';
import type { ParticipantEvents, RoomEvents } from './broadcast.ts';
import { presenterOnly, roomEnded, RoomError } from './errors.ts';
import type { Actor, LiveWrite } from './room.ts';

export interface SeatDeps {
  db: Database;
  toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void;
  toParticipants<E extends keyof ParticipantEvents>(roomId: string, ids: string[], event: E, payload: ParticipantEvents[E]): void;
  disconnect(roomId: string, ids: string[]): void;
  liveWrite: LiveWrite;
  requireLive(actor: Actor): Promise<void>;
  /** The room's head count changed (webhooks' participant.count). */
  countChanged(roomId: string): void;
}

export interface Seats {
  /**
   * The attendee leaves: the seat is free at once and the room hears `participant-left`; then their sockets close.
   * `beforeDisconnect` runs in between, for a transport whose answer travels on a socket about to close.
   */
  leave(actor: Actor, beforeDisconnect?: () => void): Promise<void>;
  /** Sets the room's seats, the presenter included (presenter; never below the seats held now). */
  setCapacity(actor: Actor, input: SeatInput<'setCapacity'>): Promise<{ maxParticipants: number }>;
  /** A join was refused because the room was full: counted, and the hosts told the count. */
  joinRefused(roomId: string): Promise<void>;
}

const alreadyLeft = () => new RoomError('conflict', 'You have already left this room');

export function createSeats(deps: SeatDeps): Seats {
  const { db } = deps;
  return {
    async leave(actor, beforeDisconnect) {
      if (actor.role === 'presenter') throw new RoomError('forbidden', 'The presenter ends the session instead of leaving it');
      await deps.liveWrite(actor, () => leaveRoom(db, actor.roomId, actor.participantId), alreadyLeft);
      deps.toRoom(actor.roomId, 'participant-left', { participantId: actor.participantId });
      deps.countChanged(actor.roomId);
      beforeDisconnect?.();
      deps.disconnect(actor.roomId, [actor.participantId]);
    },

    async setCapacity(actor, { maxParticipants }) {
      if (actor.role !== 'presenter') throw presenterOnly();
      await deps.requireLive(actor);
      const changed = await setCapacity(db, actor.roomId, maxParticipants);
      if (!changed.ok) {
        if (changed.reason === 'room_ended') throw roomEnded();
        const people = changed.present === 1 ? '1 person holds a seat' : `${changed.present} people hold a seat`;
        throw new RoomError('conflict', `${people} now, you included; the limit cannot go below ${changed.present}`);
      }
      deps.toRoom(actor.roomId, 'room-capacity', { maxParticipants: changed.room.maxParticipants });
      return { maxParticipants: changed.room.maxParticipants };
    },

    async joinRefused(roomId) {
      const refusedJoins = await countRefusedJoin(db, roomId);
      if (refusedJoins === undefined) return;
      deps.toParticipants(roomId, await listHostIds(db, roomId), 'joins-refused', { refusedJoins });
    },
  };
}
