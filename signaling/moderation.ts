// Moderation over the socket: hands, stage, co-hosts, enforced mute, removal, room options, moderated Q&A.
// The room core decides who may do each, as it does for the REST routes.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf } from './guards.ts';
import type { Media } from './media.ts';

type ModerationEvent =
  | 'raise-hand'
  | 'set-co-host'
  | 'stage-invite'
  | 'stage-answer'
  | 'stage-leave'
  | 'mute-participant'
  | 'stop-camera'
  | 'remove-participant'
  | 'room-options'
  | 'approve-question'
  | 'dismiss-question'
  | 'highlight-question'
  | 'delete-chat-message'
  | 'hand-over-presenter'
  | 'take-over-presenting'
  | 'list-questions';

export function createModerationHandlers({ core }: HandlerDeps, media?: Pick<Media, 'stageChanged'>): EventHandlers<ModerationEvent> {
  /** A speaker's SFU publication follows the change before the host hears it is done. */
  const enforced = async (roomId: string, participantId: string) => {
    await media?.stageChanged(roomId, participantId);
  };
  return {
    async 'raise-hand'(socket, input, ack) {
      ack({ ok: true, participant: await core.raiseHand(actorOf(socket), input) });
    },
    async 'set-co-host'(socket, input, ack) {
      ack({ ok: true, participant: await core.setCoHost(actorOf(socket), input) });
    },
    async 'stage-invite'(socket, input, ack) {
      ack({ ok: true, participant: await core.inviteToStage(actorOf(socket), input) });
    },
    async 'stage-answer'(socket, input, ack) {
      ack({ ok: true, participant: await core.answerStageInvite(actorOf(socket), input) });
    },
    async 'stage-leave'(socket, input, ack) {
      const participant = await core.leaveStage(actorOf(socket), input);
      await enforced(socket.data.roomId, participant.id);
      ack({ ok: true, participant });
    },
    async 'mute-participant'(socket, input, ack) {
      const participant = await core.muteParticipant(actorOf(socket), input);
      await enforced(socket.data.roomId, participant.id);
      ack({ ok: true, participant });
    },
    async 'stop-camera'(socket, input, ack) {
      const participant = await core.stopCamera(actorOf(socket), input);
      await enforced(socket.data.roomId, participant.id);
      ack({ ok: true, participant });
    },
    async 'remove-participant'(socket, input, ack) {
      await core.removeParticipant(actorOf(socket), input);
      await enforced(socket.data.roomId, input.participantId);
      ack({ ok: true });
    },
    async 'room-options'(socket, input, ack) {
      ack({ ok: true, options: await core.setRoomOptions(actorOf(socket), input) });
    },
    async 'approve-question'(socket, input, ack) {
      ack({ ok: true, question: await core.approveQuestion(actorOf(socket), input) });
    },
    async 'dismiss-question'(socket, input, ack) {
      await core.dismissQuestion(actorOf(socket), input);
      ack({ ok: true });
    },
    async 'highlight-question'(socket, input, ack) {
      await core.highlightQuestion(actorOf(socket), input);
      ack({ ok: true });
    },
    async 'delete-chat-message'(socket, input, ack) {
      await core.deleteChatMessage(actorOf(socket), input);
      ack({ ok: true });
    },
    async 'hand-over-presenter'(socket, input, ack) {
      ack({ ok: true, participant: await core.handOverPresenter(actorOf(socket), input) });
    },
    async 'take-over-presenting'(socket, input, ack) {
      ack({ ok: true, participant: await core.takeOverPresenting(actorOf(socket), input ?? {}) });
    },
    async 'list-questions'(socket, _payload, ack) {
      ack({ ok: true, questions: await core.questionsFor(actorOf(socket)) });
    },
  };
}
