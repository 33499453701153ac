// The attendee view: the presenter's screen as the stage with the camera as picture-in-picture, chat, Q&A, reactions.
import { createEffect, createSignal, Match, Show, Switch } from 'solid-js';
import { AttendeeStageControls, microphoneAllowed, RemovedPage, TakeOverPresenting } from '../room/stage/moderation.tsx';
import { LobbyPanel } from '../room/stage/lobby.tsx';
import { SpeakerTiles } from '../room/stage/stage-media.tsx';
import { ConnectionDiagnosis } from '../components/connection-diagnosis.tsx';
import { ConnectionStatus } from '../components/connection-status.tsx';
import { createDocumentTitle } from '../components/document-title.ts';
import { Icon } from '../components/icon.tsx';
import { LeaveButton } from '../components/leave-button.tsx';
import { LiveRegion } from '../components/live-region.tsx';
import { ReactionBar, ReactionOverlay } from '../components/reactions.tsx';
import { RoomPanels } from '../components/room-panels.tsx';
import { SessionSummary } from '../components/session-summary.tsx';
import { ScreenWithCamera, StageBadges, StageMessage } from '../components/stage-parts.tsx';
import { CameraOff, createBubblePlacement, StageTools, watchStageVideo } from '../components/stage-view.tsx';
import { ToggleControl } from '../components/toggle-control.tsx';
import { Topbar } from '../components/topbar.tsx';
import { AudioSink, VideoView } from '../components/video-view.tsx';
import { RoomProvider, useRoom } from '../room/room-context.tsx';
import { browserVideoCodec } from '../rtc/codecs.ts';
import { attendeeMode, microphoneProblem, watchProblem } from '../rtc/support.ts';
import { forgetSession, type RoomSession } from '../session.ts';

export function AttendeeRoom(props: { slug: string; session: RoomSession; onLeave: () => void; onSignedOut: () => void }) {
  return (
    <RoomProvider slug={props.slug} session={props.session}>
      <AttendeeView slug={props.slug} onLeave={props.onLeave} onSignedOut={props.onSignedOut} />
    </RoomProvider>
  );
}

function AttendeeView(props: { slug: string; onLeave: () => void; onSignedOut: () => void }) {
  const room = useRoom();
  createDocumentTitle(() => room.state.room?.title);
  createEffect(() => {
    if (room.state.connection === 'unauthorized') props.onSignedOut();
    // The token no longer works: the link opens the join form again (a ban is refused there, with its reason).
    if (room.state.connection === 'ended' || room.state.connection === 'removed') forgetSession(props.slug);
  });
  focusOnceInRoom(() => room.state.connection === 'live');
  return (
    <Show
      when={room.state.connection !== 'ended'}
      fallback={<EndedPage title={room.state.room?.title ?? null} />}
    >
      <Show when={room.state.connection !== 'removed'} fallback={<RemovedPage banned={room.state.banned} />}>
      <Topbar>
        <div class="topbar-title">
          <h1 title={room.state.room?.title} tabIndex={-1} data-testid="room-title">{room.state.room?.title ?? 'Joining…'}</h1>
          <p>{room.state.room ? `Presented by ${room.state.room.presenterName}` : '\u00a0'}</p>
        </div>
        <div class="topbar-actions">
          <ConnectionStatus />
          <LeaveButton onLeft={props.onLeave} />
        </div>
      </Topbar>
      <main class="room" id="main">
        <section class="room-main" aria-label="Presentation">
          <Stage />
          <SpeakerTiles
            speakers={room.state.participants.filter((p) => p.stage === 'speaker')}
            media={(id) => room.attendee()?.stage()[id]}
            via={room.attendee()?.stageVia() ?? 'star'}
            selfId={room.state.self?.participantId}
            ownCamera={room.attendee()?.ownCamera() ?? null}
            audioOnly={room.attendee()?.audioOnly() ?? false}
          />
          <AttendeeControls />
        </section>
        <aside class="room-side" aria-label="Chat and questions">
          <RoomPanels withPeople={false} />
        </aside>
      </main>
      <LiveRegion message={room.state.announcement} />
      </Show>
    </Show>
  );
}

/**
 * The first time the room is live, focus goes where the next step is: the chat box with a keyboard and mouse, the
 * room's title (no on-screen keyboard popping up) on a touch screen. Focus someone already placed is left alone.
 */
function focusOnceInRoom(live: () => boolean) {
  let done = false;
  createEffect(() => {
    if (done || !live()) return;
    done = true;
    queueMicrotask(() => {
      if (document.activeElement && document.activeElement !== document.body) return;
      const fine = matchMedia('(hover: hover) and (pointer: fine)').matches;
      const target = (fine && document.getElementById('chat-input')) || document.querySelector<HTMLElement>('[data-testid=room-title]');
      target?.focus();
    });
  });
}

function EndedPage(props: { title: string | null }) {
  return (
    <>
      <Topbar />
      <SessionSummary title={props.title} stats={null} presenter={false} />
    </>
  );
}

function Stage() {
  const room = useRoom();
  const media = () => room.attendee()?.received() ?? { camera: null, screen: null, audio: null };
  const audioOnly = () => room.attendee()?.audioOnly() ?? false;
  const presenter = () => room.state.participants.find((p) => p.id === room.state.presenterId);
  const presenterCameraOn = () => presenter()?.isVideoOn !== false;
  const sharing = () => room.state.isScreenSharing && media().screen !== null;
  const [soundBlocked, setSoundBlocked] = createSignal(false);
  // Each press of "Turn on sound" is a user gesture the browser accepts for another play() attempt.
  const [soundAttempt, setSoundAttempt] = createSignal(0);
  let stage: HTMLDivElement | undefined;
  const bubble = createBubblePlacement();
  watchStageVideo(() => stage, (state) => room.events.stageVideo(state));
  const stalled = () => room.state.stageVideo === 'stalled' && !audioOnly() && room.state.link.state !== 'idle' && (presenterCameraOn() || sharing());

  return (
    <div class="stage" ref={stage} data-testid="stage" data-via={room.attendee()?.viaSfu() ? 'sfu' : 'star'}>
      <Switch>
        <Match when={watchProblem(room.support)}>
          {(problem) => (
            <StageMessage icon="camera-off" title={problem().title} testId="join-only">
              {problem().message} You can still chat, ask questions and vote.
            </StageMessage>
          )}
        </Match>
        <Match when={audioOnly()}>
          <StageMessage icon="volume" title="Audio only" testId="audio-only-stage">
            Video is off to save data. Turn off “Audio only” to see the presenter again.
          </StageMessage>
        </Match>
        <Match when={room.state.link.unreachable && room.state.link.state !== 'connected'}>
          <ConnectionDiagnosis />
        </Match>
        <Match when={room.state.link.state !== 'connected' && !media().camera}>
          <div class="stage-empty">
            <div class="spinner" aria-hidden="true" />
            <h2>Waiting for the presenter…</h2>
            <p>The video starts as soon as the presenter is connected.</p>
          </div>
        </Match>
        <Match when={sharing()}>
          <ScreenWithCamera
            screen={{ stream: media().screen, label: "Presenter's shared screen", testId: 'screen-video' }}
            camera={{ stream: media().camera, label: "Presenter's camera", testId: 'camera-video' }}
            cameraOn={presenterCameraOn()}
            bubble={bubble.placement()}
          />
        </Match>
        <Match when={!presenterCameraOn()}>
          <CameraOff name={room.state.room?.presenterName ?? null} />
        </Match>
        <Match when={true}>
          <VideoView stream={media().camera} label="Presenter's camera" testId="camera-video" />
        </Match>
      </Switch>
      <StageBadges>
        <Show when={room.state.isScreenSharing && !audioOnly()}>
          <span class="stage-badge" data-testid="sharing-badge">
            <Icon name="screen" size={12} /> Screen
          </span>
        </Show>
      </StageBadges>
      <Show when={!watchProblem(room.support) && !audioOnly()}>
        <StageTools stage={() => stage} {...(sharing() && presenterCameraOn() ? { bubble } : {})} />
      </Show>
      <Show when={stalled() && !room.state.link.videoPaused}>
        <div class="stage-notice" role="status" data-testid="presenter-reconnecting">
          Presenter reconnecting… The video comes back by itself.
        </div>
      </Show>
      <Show when={room.state.link.videoPaused && room.state.link.videoPaused !== 'request'}>
        <div class="stage-notice" role="status" data-testid="video-paused">
          Your connection is weak, so video is paused. Audio continues, and video returns when the link recovers.
        </div>
      </Show>
      <Show when={soundBlocked() && media().audio}>
        <button class="button primary stage-notice at-top" data-testid="turn-on-sound" onClick={() => setSoundAttempt((n) => n + 1)}>
          <Icon name="volume" size={16} /> Turn on sound
        </button>
      </Show>
      <AudioSink stream={media().audio} attempt={soundAttempt()} onBlocked={setSoundBlocked} />
      <ReactionOverlay />
    </div>
  );
}

function AttendeeControls() {
  const room = useRoom();
  const self = () => room.state.participants.find((p) => p.id === room.state.self?.participantId);
  const media = () => room.attendee();
  return (
    <>
      <Show when={room.state.mutedByPresenter}>
        <p class="notice-small" role="status" data-testid="muted-notice">
          <span>A host muted your microphone.</span>
          <button class="button small ghost" type="button" onClick={() => room.actions.acknowledgeMute()} aria-label="Dismiss the mute notice">
            OK
          </button>
        </p>
      </Show>
      <Show when={room.state.answeredQuestion}>
        {(answered) => (
          <p class="notice-small answered-notice" role="status" data-testid="question-answered-notice">
            <span>
              Your question was answered: “{answered().question}”{answered().answer ? ` — ${answered().answer}` : ''}
            </span>
            <button class="button small ghost" type="button" onClick={() => room.actions.acknowledgeAnswer()} aria-label="Dismiss the answered question notice">
              OK
            </button>
          </p>
        )}
      </Show>
      <Show when={media()?.microphoneError()}>
        <p class="alert" role="alert">
          {media()!.microphoneError()}
        </p>
      </Show>
      <Show when={media() && microphoneProblem(room.support)}>
        {(problem) => (
          <p class="alert" data-testid="microphone-unavailable">
            {problem()}
          </p>
        )}
      </Show>
      <div class="controls">
        <Show when={media()}>
          {(m) => (
            <>
              <label class="switch control in-row">
                <input
                  type="checkbox"
                  role="switch"
                  checked={m().audioOnly()}
                  onChange={(e) => m().setAudioOnly(e.currentTarget.checked)}
                  data-testid="audio-only"
                />
                Audio only
              </label>
              <Show when={microphoneProblem(room.support) === null && microphoneAllowed(self(), room.state.room)}>
                <ToggleControl
                  pressed={m().microphoneOn()}
                  label={['Turn your microphone off', 'Turn your microphone on']}
                  icon={['mic', 'mic-off']}
                  text={['Mic on', 'Mic off']}
                  tone="highlight"
                  onToggle={() => void m().toggleMicrophone()}
                  testId="attendee-mic"
                />
              </Show>
            </>
          )}
        </Show>
        <ReactionBar />
      </div>
      <AttendeeStageControls />
      {/* Co-hosts let people in too. */}
      <Show when={self()?.isCoHost}>
        <TakeOverPresenting />
        <LobbyPanel />
      </Show>
      <BrowserMode />
    </>
  );
}

/** What this browser gets, named: join only, watch only or watch and speak, and the video codec it prefers. */
function BrowserMode() {
  const room = useRoom();
  const mode = attendeeMode(room.support);
  const codec = mode.mode === 'join-only' ? null : browserVideoCodec();
  return (
    <p class="browser-mode" data-testid="browser-mode" data-mode={mode.mode} data-codec={codec ?? ''}>
      {mode.label}
      {codec ? ` · video ${codec}` : ''}
    </p>
  );
}
