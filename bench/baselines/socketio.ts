// Baseline for the sockets and chat benchmarks: a bare Socket.io server speaking Podium's events, with no database and no validation.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('join-room', (payload: { slug: string }, ack: (r: unknown) => void) => {
    void socket.join(payload.slug);
    ack({ ok: true });
  });
  socket.on('chat-message', (payload: { roomSlug: string; message: string; clientMessageId?: string }, ack: (r: unknown) => void) => {
    const message = {
      id: randomUUID(),
      participantId: null,
      name: null,
      message: payload.message,
      messageType: 'chat',
      clientMessageId: payload.clientMessageId ?? null,
      createdAt: new Date().toISOString(),
    };
    ack({ ok: true, message });
    io.to(payload.roomSlug).emit('new-chat-message', { message });
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => io.close(() => process.exit(0)));
