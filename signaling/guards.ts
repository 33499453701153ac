// Checks shared by handlers: who may do what, and whether the room still runs.
import type { Actor } from '../core/room.ts';
import type { Database } from '../db/client.ts';
import { findRoomById, type Room } from '../db/rooms.ts';
import type { SignalingSocket } from './context.ts';
import { forbidden, SignalingError } from './errors.ts';

/** The room core's view of who sent an event: what the handshake resolved from the token. */
export function actorOf(socket: SignalingSocket): Actor {
  const { participantId, roomId, role, name } = socket.data;
  return { participantId, roomId, role, name };
}

/** Media steps only the presenter takes (publishing into the SFU); room actions leave this rule to the core. */
export function requirePresenter(socket: SignalingSocket): void {
  if (socket.data.role !== 'presenter') throw forbidden('Only the presenter may do this');
}

/** The slug a client names must be the room its token belongs to. */
export function requireOwnRoom(socket: SignalingSocket, slug: string): void {
  if (slug !== socket.data.roomSlug) throw forbidden('This token belongs to another room');
}

/** Writes are refused once the room has ended, even if this socket has not been disconnected yet. */
export async function requireLiveRoom(db: Database, socket: SignalingSocket): Promise<Room> {
  const room = await findRoomById(db, socket.data.roomId);
  if (!room?.isActive) throw new SignalingError('room_ended', 'This room has ended');
  return room;
}
