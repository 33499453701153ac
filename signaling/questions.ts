// Q&A over the socket, under the same rules as REST: anyone asks and votes, the presenter answers and pins.
import { toQuestionBody } from '../core/serialize.ts';
import { addQuestion, answerQuestion, findQuestion, pinQuestion, setVote } from '../db/questions.ts';
import type { EventHandlers, HandlerDeps } from './context.ts';
import { SignalingError } from './errors.ts';
import { requireLiveRoom, requirePresenter } from './guards.ts';

type QuestionEvent = 'ask-question' | 'vote-question' | 'answer-question' | 'pin-question';

const questionNotFound = () => new SignalingError('question_not_found', 'No such question in this room');

export function createQuestionHandlers({ db, io, metrics }: HandlerDeps): EventHandlers<QuestionEvent> {
  return {
    async 'ask-question'(socket, { question }, ack) {
      const room = await requireLiveRoom(db, socket);
      const stored = toQuestionBody(await addQuestion(db, { roomId: room.id, participantId: socket.data.participantId, question }));
      ack({ ok: true, question: stored });
      metrics?.questions.inc();
      io.to(room.id).emit('new-question', { question: stored });
    },

    async 'vote-question'(socket, { questionId, up }, ack) {
      const room = await requireLiveRoom(db, socket);
      if (!(await findQuestion(db, room.id, questionId))) throw questionNotFound();
      const votes = await setVote(db, { questionId, participantId: socket.data.participantId, up });
      ack({ ok: true, votes });
      io.to(room.id).emit('question-voted', { questionId, votes });
    },

    async 'answer-question'(socket, { questionId, answer }, ack) {
      requirePresenter(socket);
      const room = await requireLiveRoom(db, socket);
      const answered = await answerQuestion(db, room.id, questionId, answer);
      if (!answered?.answer || !answered.answeredAt) throw questionNotFound();
      ack({ ok: true });
      io.to(room.id).emit('question-answered', {
        questionId,
        answer: answered.answer,
        answeredAt: new Date(answered.answeredAt).toISOString(),
      });
    },

    async 'pin-question'(socket, { questionId, pinned }, ack) {
      requirePresenter(socket);
      const room = await requireLiveRoom(db, socket);
      const question = await pinQuestion(db, room.id, questionId, pinned);
      if (!question) throw questionNotFound();
      ack({ ok: true });
      io.to(room.id).emit('question-pinned', { questionId, isPinned: question.isPinned });
    },
  };
}
