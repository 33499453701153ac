// How many sockets the cluster holds, asked as numbers: fetchSockets() would ship every socket's handshake (its
// token, headers and address) and data (the name) to the asking process, through the adapter and PostgreSQL.
import type { SignalingServer } from './context.ts';
import { participantChannel } from './protocol.ts';

export interface SocketCounts {
  /** Sockets connected to every process of the cluster. */
  all(): Promise<number>;
  /** Sockets of one participant, on any process. */
  ofParticipant(participantId: string): Promise<number>;
}

/**
 * Answers the other processes' questions and asks them its own. Without a cluster adapter the process is alone
 * (the in-memory adapter has no server-side emit) and counts only its own sockets.
 */
export function createSocketCounts(io: SignalingServer, options: { clustered: boolean }): SocketCounts {
  // One answerer per server: a second would make this process answer twice and be counted twice.
  const made = perServer.get(io);
  if (made) return made;
  const local = {
    all: () => io.of('/').sockets.size,
    ofParticipant: (participantId: string) => io.of('/').adapter.rooms.get(participantChannel(participantId))?.size ?? 0,
  };
  io.on('count-sockets', (participantId, ack) => ack(participantId === null ? local.all() : local.ofParticipant(participantId)));

  async function cluster(participantId: string | null): Promise<number> {
    const own = participantId === null ? local.all() : local.ofParticipant(participantId);
    if (!options.clustered) return own;
    // A process that does not answer within the adapter's request timeout (5 s) makes this reject.
    const others: unknown[] = await io.serverSideEmitWithAck('count-sockets', participantId);
    return others.reduce<number>((sum, n) => sum + (Number.isInteger(n) && (n as number) >= 0 ? (n as number) : 0), own);
  }

  const counts: SocketCounts = { all: () => cluster(null), ofParticipant: (participantId) => cluster(participantId) };
  perServer.set(io, counts);
  return counts;
}

const perServer = new WeakMap<SignalingServer, SocketCounts>();
