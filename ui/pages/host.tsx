// The presenter console: local preview and controls, join link, participants with link health, chat and Q&A.
import { A, useParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import { api } from '../api.ts';
import { audibleParticipants, ModerationPanel } from '../room/stage/moderation.tsx';
import { GreenRoom, LobbyPanel } from '../room/stage/lobby.tsx';
import { SpeakerTiles } from '../room/stage/stage-media.tsx';
import { AddressPrivacy, NoRelayWarning } from '../components/address-privacy.tsx';
import { CapacityControl } from '../components/capacity-control.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ConnectionStatus } from '../components/connection-status.tsx';
import { createDocumentTitle } from '../components/document-title.ts';
import { Icon } from '../components/icon.tsx';
import { LiveRegion } from '../components/live-region.tsx';
import { ReactionOverlay } from '../components/reactions.tsx';
import { RoomPanels } from '../components/room-panels.tsx';
import { SessionSummary } from '../components/session-summary.tsx';
import { ScreenWithCamera, StageBadges, StageMessage } from '../components/stage-parts.tsx';
import { ToggleControl } from '../components/toggle-control.tsx';
import { Topbar } from '../components/topbar.tsx';
import { AudioSink, VideoView } from '../components/video-view.tsx';
import { RoomProvider, useRoom } from '../room/room-context.tsx';
import { presentProblem, screenShareProblem } from '../rtc/support.ts';
import { forgetSession, keepReportToken, loadSession } from '../session.ts';

export default function Host() {
  const params = useParams<{ slug: string }>();
  const session = loadSession(params.slug);
  return (
    <Show when={session?.role === 'presenter' && session} fallback={<NotPresenter slug={params.slug} />}>
      {(s) => (
        <RoomProvider slug={params.slug} session={s()}>
          <Console slug={params.slug} />
        </RoomProvider>
      )}
    </Show>
  );
}

function NotPresenter(props: { slug: string }) {
  const [details] = createResource(() => props.slug, (slug) => api.getRoom(slug));
  return (
    <Show
      when={details()?.isActive !== false}
      fallback={
        <>
          <Topbar />
          <SessionSummary title={details()?.room.title ?? null} stats={null} presenter={false} />
        </>
      }
    >
      <Topbar />
      <main class="center-page" id="main">
        <section class="card form-card join-card" data-testid="not-presenter">
          <h1>This is the presenter console</h1>
          <p class="subtitle">It opens in the browser that created the room. To watch, join as an attendee.</p>
          <A class="button primary large block" href={`/r/${props.slug}`}>
            Join as an attendee
          </A>
          <A class="button ghost block" href="/">
            Start your own presentation
          </A>
        </section>
      </main>
    </Show>
  );
}

function Console(props: { slug: string }) {
  const room = useRoom();
  createEffect(() => {
    if (room.state.connection !== 'ended') return;
    // The presenter's token outlives the room for one purpose: reading the session report.
    keepReportToken(props.slug, room.session.token);
    forgetSession(props.slug);
  });
  return (
    <Switch>
      <Match when={room.state.connection === 'ended'}>
        <Topbar />
        <SessionSummary title={room.state.room?.title ?? null} stats={room.state.sessionStats} presenter reportHref={`/r/${props.slug}/report`} />
      </Match>
      <Match when={room.state.connection === 'unauthorized'}>
        <Topbar />
        <main class="center-page" id="main">
          <section class="card form-card join-card">
            <h1>This console is no longer signed in</h1>
            <p class="subtitle">The room may have ended, or its presenter link was used elsewhere.</p>
            <A class="button primary block" href="/" onClick={() => forgetSession(props.slug)}>
              Start a new presentation
            </A>
          </section>
        </main>
      </Match>
      <Match when={true}>
        <ConsoleLive slug={props.slug} />
      </Match>
    </Switch>
  );
}

function ConsoleLive(props: { slug: string }) {
  const room = useRoom();
  createDocumentTitle(() => room.state.room && `Presenting: ${room.state.room.title}`);
  const [confirming, setConfirming] = createSignal(false);
  const [ending, setEnding] = createSignal(false);
  const [endError, setEndError] = createSignal<string | null>(null);
  const joinUrl = () => room.session.joinUrl ?? `${location.origin}/r/${props.slug}`;
  const attendees = () => room.state.participants.filter((p) => p.role === 'attendee').length;

  const end = async () => {
    setEnding(true);
    try {
      await room.actions.endRoom();
    } catch (err) {
      setEndError(err instanceof Error ? err.message : 'The session could not be ended.');
      setEnding(false);
      setConfirming(false);
    }
  };

  return (
    <>
      <Topbar>
        <div class="topbar-title">
          <h1 title={room.state.room?.title}>{room.state.room?.title ?? 'Opening your room…'}</h1>
          <p>
            You are presenting · {attendees()} {attendees() === 1 ? 'attendee' : 'attendees'} ·{' '}
            <AddressPrivacy />
            <Show when={room.state.media}>
              {(media) => (
                <span data-testid="media-mode" data-mode={media().mode}>
                  {' · '}
                  {media().mode === 'sfu'
                    ? 'through the media server'
                    : media().sfuAvailable
                      ? `direct; the media server takes over past ${media().starMaxAttendees} attendees`
                      : `direct; smooth for about ${media().starMaxAttendees} attendees (no media server)`}
                </span>
              )}
            </Show>
          </p>
        </div>
        <div class="topbar-actions">
          <ConnectionStatus />
          <button class="button danger" type="button" onClick={() => setConfirming(true)} aria-label="End session">
            <Icon name="end" size={16} />
            <span class="button-label">End session</span>
          </button>
        </div>
      </Topbar>
      <main class="room" id="main">
        <section class="room-main" aria-label="Your broadcast">
          <Show when={endError()}>
            <p class="alert" role="alert">
              {endError()}
            </p>
          </Show>
          <NoRelayWarning />
          <Show when={room.state.room?.liveAt === null}>
            <GreenRoom />
          </Show>
          <PresenterStage attendees={attendees()} />
          {/* On the star, speakers' sound plays below with the other allowed microphones and the tiles show their
              cameras; on the SFU each tile plays its speaker's subscription. */}
          <SpeakerTiles
            speakers={room.state.participants.filter((p) => p.stage === 'speaker')}
            via={room.presenter()?.stageVia() ?? 'star'}
            media={(id) =>
              room.presenter()?.stageVia() === 'sfu'
                ? room.presenter()?.speakerMedia()[id]
                : { audio: null, video: room.presenter()?.remoteVideo()[id] ?? null }
            }
          />
          <PresenterControls />
          <CapacityControl />
          <LobbyPanel />
          <ModerationPanel />
        </section>
        <aside class="room-side" aria-label="Participants, chat and questions">
          <RoomPanels withPeople joinUrl={joinUrl()} />
        </aside>
      </main>
      {/* Only microphones the room allows are played: on stage, or attendee microphones on, and not muted by a host. */}
      <For each={Object.entries(room.presenter()?.remoteAudio() ?? {}).filter(([id]) => audibleParticipants(room.state.participants, room.state.room).has(id))}>
        {([, stream]) => <AudioSink stream={stream} />}
      </For>
      <LiveRegion message={room.state.announcement} />
      <ConfirmDialog
        open={confirming()}
        title="End this session for everyone?"
        confirmLabel={ending() ? 'Ending…' : 'End session'}
        busy={ending()}
        onConfirm={() => void end()}
        onCancel={() => setConfirming(false)}
      >
        All attendees will be disconnected and the room will close. You will see a summary of the session.
      </ConfirmDialog>
    </>
  );
}

function PresenterStage(props: { attendees: number }) {
  const room = useRoom();
  const media = () => room.presenter();
  return (
    <div class="stage" data-testid="presenter-stage">
      <Switch>
        <Match when={presentProblem(room.support)}>
          {(problem) => (
            <StageMessage icon="camera-off" title={problem().title} testId="cannot-present" problem={problem().kind}>
              {problem().message} Chat and Q&amp;A still work from here.
            </StageMessage>
          )}
        </Match>
        <Match when={media()?.sharing()}>
          <ScreenWithCamera
            screen={{ stream: media()!.screen(), label: 'Your shared screen', testId: 'local-screen' }}
            camera={{ stream: media()!.preview(), label: 'Your camera', mirror: true, testId: 'local-preview' }}
            cameraOn={media()!.cameraOn()}
          />
        </Match>
        <Match when={media()?.preview() && media()!.cameraOn()}>
          <VideoView stream={media()!.preview()} label="Your camera" mirror testId="local-preview" />
        </Match>
        <Match when={true}>
          <div class="stage-empty">
            <Icon name="camera-off" size={32} />
            <h2>{media()?.mediaError() ? 'No camera' : media()?.preview() ? 'Your camera is off' : 'Starting your camera…'}</h2>
            <p data-testid="camera-off-hint">{media()?.mediaError() ?? cameraOffHint(media())}</p>
            <Show when={media()?.mediaError()}>
              <button class="button primary" type="button" onClick={() => void media()?.start()}>
                Try again
              </button>
            </Show>
          </div>
        </Match>
      </Switch>
      <StageBadges>
        <span class="stage-badge">
          <Icon name="users" size={12} /> {props.attendees} watching
        </span>
      </StageBadges>
      <ReactionOverlay />
    </div>
  );
}

/** What attendees get while the camera is off: the microphone decides whether they still hear the presenter. */
function cameraOffHint(media: { preview(): MediaStream | null; microphoneOn(): boolean } | null | undefined): string {
  if (!media?.preview()) return 'Attendees see and hear you once your camera and microphone are on.';
  return media.microphoneOn()
    ? 'Attendees see your initials and still hear you: your microphone is on.'
    : 'Your microphone is off too: attendees neither see nor hear you.';
}

function PresenterControls() {
  const room = useRoom();
  const [muteNotice, setMuteNotice] = createSignal<string | null>(null);
  let clearNotice: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(clearNotice));
  const muteAll = async () => {
    try {
      const muted = await room.actions.muteAll();
      setMuteNotice(muted === 0 ? 'No microphones were on.' : `Muted ${muted} ${muted === 1 ? 'attendee' : 'attendees'}.`);
    } catch (err) {
      setMuteNotice(err instanceof Error ? err.message : 'Muting failed.');
    }
    clearTimeout(clearNotice);
    clearNotice = setTimeout(() => setMuteNotice(null), 5000);
  };
  return (
    <div class="controls">
      <Show when={room.presenter()}>
        {(m) => (
          <>
            <ToggleControl
              pressed={m().microphoneOn()}
              label={['Turn microphone off', 'Turn microphone on']}
              icon={['mic', 'mic-off']}
              text={['Mic', 'Mic']}
              tone="warn"
              onToggle={m().toggleMicrophone}
              disabled={!m().preview() && !m().microphoneOn() && m().mediaError() !== null}
              testId="presenter-mic"
            />
            <ToggleControl
              pressed={m().cameraOn()}
              label={['Turn camera off', 'Turn camera on']}
              icon={['camera', 'camera-off']}
              text={['Camera', 'Camera']}
              tone="warn"
              onToggle={m().toggleCamera}
              disabled={!m().preview()}
              testId="presenter-camera"
            />
            <Show
              when={screenShareProblem(room.support) === null}
              fallback={
                <p class="control-note" data-testid="screen-share-unavailable">
                  {screenShareProblem(room.support)}
                </p>
              }
            >
              <ToggleControl
                pressed={m().sharing()}
                label={['Stop sharing your screen', 'Share screen with attendees']}
                icon={['screen-off', 'screen']}
                text={['Stop sharing', 'Share screen']}
                tone="highlight"
                onToggle={() => void (m().sharing() ? m().stopScreenShare() : m().startScreenShare())}
                testId="share-screen"
              />
            </Show>
          </>
        )}
      </Show>
      <button class="control" type="button" onClick={() => void muteAll()} aria-label="Mute all attendees" data-testid="mute-all">
        <Icon name="volume-off" />
        Mute all
      </button>
      {/* Beside the button, never over it: the count stays readable while the presenter goes on. */}
      <p class="control-note mute-note" role="status" data-testid="mute-all-result">
        {muteNotice()}
      </p>
    </div>
  );
}
