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

// Q&A for the webinar shape: a question per ask, an in-memory count per question.
const votes = new Map<string, Set<string>>();
io.on('connection', (socket) => {
  socket.on('ask-question', (payload: { question: string }, ack: (r: unknown) => void) => {
    const id = randomUUID();
    votes.set(id, new Set());
    const question = { id, question: payload.question, votes: 0 };
    ack({ ok: true, question });
    for (const room of socket.rooms) if (room !== socket.id) io.to(room).emit('new-question', { question });
  });
  socket.on('vote-question', (payload: { questionId: string; up: boolean }, ack: (r: unknown) => void) => {
    const voters = votes.get(payload.questionId);
    if (!voters) return ack({ ok: false, error: { code: 'question_not_found' } });
    if (payload.up) voters.add(socket.id);
    else voters.delete(socket.id);
    ack({ ok: true, votes: voters.size });
    for (const room of socket.rooms) if (room !== socket.id) io.to(room).emit('question-voted', { questionId: payload.questionId, votes: voters.size });
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => io.close(() => process.exit(0)));
