// Moderation in the room UI: the host's panel (room options, hand queue, approval queue, people) and the
// attendee's side (raise hand, stage invitation, removed page). Plain controls over the room store's actions.
import { createSignal, For, Show } from 'solid-js';
import type { ParticipantBody, RoomBody } from '../../../core/schemas.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { createPanelAction, PanelAlert } from '../../components/panel-alert.tsx';
import { useRoom } from '../room-context.tsx';
import { StageDeviceCheck, type StageTracks } from './stage-media.tsx';

type Options = Pick<RoomBody, 'isLocked' | 'questionsNeedApproval' | 'attendeeChat' | 'attendeeMicrophones' | 'lobby'>;

const optionLabels: [keyof Options, string][] = [
  ['isLocked', 'Lock the room (no new joins)'],
  ['lobby', 'Lobby: new attendees wait until let in'],
  ['questionsNeedApproval', 'Questions need approval'],
  ['attendeeChat', 'Attendees may chat (off: Q&A only)'],
  ['attendeeMicrophones', 'Allow attendee microphones'],
];

/** Whether this participant's microphone may reach the room: the server refuses it otherwise. */
export function microphoneAllowed(self: ParticipantBody | undefined, room: RoomBody | null): boolean {
  if (!self || self.role === 'presenter') return true;
  if (self.muteLocked) return false;
  return self.stage === 'speaker' || Boolean(room?.attendeeMicrophones);
}

/** Participants whose audio the presenter's page may play: the server allows their microphone. */
export function audibleParticipants(participants: ParticipantBody[], room: RoomBody | null): Set<string> {
  return new Set(participants.filter((p) => p.role === 'attendee' && microphoneAllowed(p, room)).map((p) => p.id));
}

export function ModerationPanel() {
  const room = useRoom();
  const { error, act } = createPanelAction();
  const selfIsPresenter = () => room.state.self?.role === 'presenter';
  const [handOverTo, setHandOverTo] = createSignal<ParticipantBody | null>(null);
  const hands = () =>
    room.state.participants.filter((p) => p.handRaisedAt !== null).sort((a, b) => (a.handRaisedAt! < b.handRaisedAt! ? -1 : 1));
  const onStage = () => room.state.participants.filter((p) => p.stage !== 'audience');
  const pending = () => room.state.questions.filter((q) => q.status === 'pending');
  const attendees = () => room.state.participants.filter((p) => p.role === 'attendee' && p.id !== room.state.self?.participantId);
  return (
    <section class="moderation card" aria-label="Moderation" data-testid="moderation-panel">
      <PanelAlert message={error()} />
      <fieldset class="moderation-options">
        <legend>Room</legend>
        <For each={optionLabels}>
          {([key, label]) => (
            <label class="switch">
              <input
                type="checkbox"
                role="switch"
                checked={Boolean(room.state.room?.[key])}
                onChange={(e) => act(() => room.actions.setRoomOptions({ [key]: e.currentTarget.checked }))}
                data-testid={`option-${key}`}
              />
              {label}
            </label>
          )}
        </For>
      </fieldset>

      <h2 id="hand-queue-title">
        Raised hands{' '}
        <span class="badge" data-testid="hand-count" aria-label={`${hands().length} raised`}>
          {hands().length}
        </span>
      </h2>
      <ol class="moderation-list" aria-labelledby="hand-queue-title" data-testid="hand-queue">
        <For each={hands()} fallback={<li class="muted">No hands up.</li>}>
          {(p) => (
            <li>
              <span>{p.name ?? 'Someone'}</span>
              <button class="button small primary" type="button" onClick={() => act(() => room.actions.inviteToStage(p.id))} aria-label={`Invite to stage: ${p.name ?? 'this attendee'}`}>
                Invite to stage
              </button>
            </li>
          )}
        </For>
      </ol>

      <h2 id="stage-title">On stage</h2>
      <ul class="moderation-list" aria-labelledby="stage-title" data-testid="stage-list">
        <For each={onStage()} fallback={<li class="muted">Nobody on stage.</li>}>
          {(p) => (
            <li data-stage={p.stage}>
              <span>
                {p.name ?? 'Someone'} · {p.stage === 'invited' ? 'invited' : p.muteLocked ? 'speaking, muted' : 'speaking'}
              </span>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.muteParticipant(p.id, !p.muteLocked))} aria-label={`${p.muteLocked ? 'Allow mic' : 'Mute'}: ${p.name ?? 'speaker'}`}>
                {p.muteLocked ? 'Allow mic' : 'Mute'}
              </button>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.stopCamera(p.id))} aria-label={`Camera off: ${p.name ?? 'speaker'}`}>
                Camera off
              </button>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.leaveStage(p.id))} aria-label={`Back to audience: ${p.name ?? 'speaker'}`}>
                Back to audience
              </button>
            </li>
          )}
        </For>
      </ul>

      <h2 id="approval-title">
        Awaiting approval{' '}
        <span class="badge" data-testid="pending-count">
          {pending().length}
        </span>
      </h2>
      <ul class="moderation-list" aria-labelledby="approval-title" data-testid="approval-queue">
        <For each={pending()} fallback={<li class="muted">No questions waiting.</li>}>
          {(q) => (
            <li>
              <span>
                {q.question} <small>— {q.name ?? 'Anonymous'}{q.isAnonymous ? ' (anonymous to others)' : ''}</small>
              </span>
              <button class="button small primary" type="button" onClick={() => act(() => room.actions.approveQuestion(q.id))} aria-label={`Approve: ${q.question}`}>
                Approve
              </button>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.dismissQuestion(q.id))} aria-label={`Dismiss: ${q.question}`}>
                Dismiss
              </button>
            </li>
          )}
        </For>
      </ul>

      <h2 id="people-title">People</h2>
      <ul class="moderation-list" aria-labelledby="people-title" data-testid="moderation-people">
        <For each={attendees()} fallback={<li class="muted">No attendees yet.</li>}>
          {(p) => (
            <li>
              <span>
                {p.name ?? 'Someone'}
                {p.isCoHost ? ' · co-host' : ''}
              </span>
              <Show when={selfIsPresenter() && p.isCoHost}>
                <button class="button small ghost" type="button" onClick={() => setHandOverTo(p)} aria-label={`Make ${p.name ?? 'this co-host'} the presenter`} data-testid="make-presenter">
                  Make presenter
                </button>
              </Show>
              <Show when={selfIsPresenter()}>
                <button class="button small ghost" type="button" onClick={() => act(() => room.actions.setCoHost(p.id, !p.isCoHost))} aria-label={`${p.isCoHost ? 'Not co-host' : 'Co-host'}: ${p.name ?? 'attendee'}`}>
                  {p.isCoHost ? 'Not co-host' : 'Co-host'}
                </button>
              </Show>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.removeParticipant(p.id, false))} aria-label={`Remove: ${p.name ?? 'attendee'}`} data-testid="remove-participant">
                Remove
              </button>
              <button class="button small danger" type="button" onClick={() => act(() => room.actions.removeParticipant(p.id, true))} aria-label={`Ban: ${p.name ?? 'attendee'}`}>
                Ban
              </button>
            </li>
          )}
        </For>
      </ul>
      <ConfirmDialog
        open={handOverTo() !== null}
        title="Hand over presenting?"
        confirmLabel="Make presenter"
        onCancel={() => setHandOverTo(null)}
        onConfirm={() => {
          const to = handOverTo();
          setHandOverTo(null);
          if (to) act(() => room.actions.handOverPresenter(to.id));
        }}
      >
        {handOverTo()?.name ?? 'This co-host'} becomes the presenter: their camera and screen reach everyone, and only they can end the
        session. You stay as a co-host; every page reconnects for a moment.
      </ConfirmDialog>
    </section>
  );
}

/** A co-host's way to keep the session going when the presenter's connection has been lost past the grace. */
export function TakeOverPresenting() {
  const room = useRoom();
  const { error, act } = createPanelAction();
  const presenterAway = () => room.state.connection === 'live' && !room.state.participants.some((p) => p.role === 'presenter');
  return (
    <Show when={presenterAway()}>
      <section class="alert warning take-over" role="region" aria-label="Presenter away" data-testid="take-over">
        <p>The presenter's connection has been lost. As a co-host you can take over presenting.</p>
        <button class="button primary" type="button" onClick={() => act(() => room.actions.takeOverPresenting())} data-testid="take-over-presenting">
          Take over presenting
        </button>
        <PanelAlert message={error()} />
      </section>
    </Show>
  );
}

/** The attendee's hand, stage invitation and stage controls. */
export function AttendeeStageControls() {
  const room = useRoom();
  const { error, act } = createPanelAction();
  const self = () => room.state.participants.find((p) => p.id === room.state.self?.participantId);
  const raised = () => self()?.handRaisedAt != null;
  // Joining the stage goes through the device check; what it opened is sent once the server has the speaker on stage.
  // A speaker whose page was reloaded is still on stage, with nothing on: the same check brings them back live.
  const [checking, setChecking] = createSignal<{ by: string | null; resume: boolean } | null>(null);
  const live = () => room.attendee()?.speaking() ?? false;
  // What the check opened and nothing will send.
  const release = (tracks: StageTracks) => [tracks.microphone, tracks.camera].forEach((track) => track?.stop());
  const accept = (tracks: StageTracks) => {
    const resume = checking()?.resume;
    setChecking(null);
    if (resume) {
      if (self()?.stage === 'speaker') void act(() => room.attendee()!.goOnStage(tracks));
      else release(tracks);
      return;
    }
    void act(() =>
      room.actions.answerStageInvite(true).then(
        () => room.attendee()?.goOnStage(tracks),
        (err: unknown) => {
          release(tracks);
          throw err;
        },
      ),
    );
  };
  const decline = () => {
    const resume = checking()?.resume;
    setChecking(null);
    // Putting off going live again keeps the place on stage; the prompt stays.
    if (!resume) act(() => room.actions.answerStageInvite(false));
  };
  return (
    <div class="stage-controls">
      <PanelAlert message={error()} />
      <Show when={room.state.stageInvite}>
        {(invite) => (
          <div class="alert info" role="alertdialog" aria-labelledby="stage-invite-title" data-testid="stage-invite">
            <p id="stage-invite-title">{invite().by ?? 'The host'} invites you to the stage: your microphone and camera will reach everyone.</p>
            <button class="button small primary" type="button" onClick={() => setChecking({ by: invite().by, resume: false })} data-testid="stage-invite-join">
              Join the stage…
            </button>
            <button class="button small ghost" type="button" onClick={() => act(() => room.actions.answerStageInvite(false))}>
              Decline
            </button>
          </div>
        )}
      </Show>
      <Show when={self()?.stage === 'speaker' && !live() && checking() === null}>
        <div class="alert warning" role="region" aria-labelledby="stage-resume-title" data-testid="stage-resume">
          <p id="stage-resume-title">You are still on stage, but this page was reloaded: your microphone and camera are off, and nobody sees or hears you.</p>
          <button class="button small primary" type="button" onClick={() => setChecking({ by: null, resume: true })} data-testid="stage-resume-join">
            Turn them on again…
          </button>
        </div>
      </Show>
      <StageDeviceCheck open={checking() !== null} by={checking()?.by ?? null} resume={checking()?.resume ?? false} onAccept={accept} onDecline={decline} />
      <Show
        when={self()?.stage === 'speaker'}
        fallback={
          <button class="button" type="button" aria-pressed={raised()} onClick={() => act(() => room.actions.raiseHand(!raised()))} data-testid="raise-hand">
            {raised() ? 'Lower hand' : 'Raise hand'}
          </button>
        }
      >
        <button class="button" type="button" onClick={() => act(() => room.actions.leaveStage())} data-testid="leave-stage">
          Leave the stage
        </button>
      </Show>
    </div>
  );
}

export function RemovedPage(props: { banned: boolean }) {
  return (
    <main class="center-page" id="main">
      <section class="card form-card join-card" data-testid="removed-page" role="alert">
        <h1>You were removed from this session</h1>
        <p class="subtitle">
          A host removed you, and your camera, microphone and connections to the room are closed.{' '}
          {props.banned ? 'You cannot join this session again.' : 'You can join again from the room’s link with a new name.'}
        </p>
      </section>
    </main>
  );
}
