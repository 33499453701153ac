// The Socket.io server: authenticates each socket by its bearer token at the handshake.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { hashToken } from '../api/tokens.ts';
import type { Database } from '../db/client.ts';
import { findByTokenHash } from '../db/participants.ts';

export interface SignalingDeps {
  db: Database;
}

export function createSignaling(httpServer: HttpServer, deps: SignalingDeps): Server {
  const io = new Server(httpServer, { serveClient: false });
  io.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return next(new Error('unauthorized'));
    try {
      const found = await findByTokenHash(deps.db, await hashToken(token));
      if (!found || !found.room.isActive) return next(new Error('unauthorized'));
      socket.data = { participantId: found.participant.id, roomId: found.room.id, role: found.participant.role };
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });
  return io;
}
