// The waiting page of an attendee outside the room: a scheduled room's countdown, calendar link and device check,
// or the lobby's "a host will let you in". Its socket hears the admission, and the page moves into the room.
import { createSignal, Match, onCleanup, Show, Switch } from 'solid-js';
import type { RoomBody } from '../../core/schemas.ts';
import { api } from '../api.ts';
import { Avatar } from '../components/avatar.tsx';
import { createDocumentTitle } from '../components/document-title.ts';
import { DeviceCheck } from '../components/device-check.tsx';
import { Icon } from '../components/icon.tsx';
import { SessionSummary } from '../components/session-summary.tsx';
import { Topbar } from '../components/topbar.tsx';
import { connectRoomSocket, socketTransport } from '../room/room-socket.ts';
import type { RoomSession } from '../session.ts';

type Standing = 'waiting' | 'denied' | 'ended';

export function WaitingRoom(props: {
  slug: string;
  session: RoomSession;
  onAdmitted: () => void;
  onDenied: () => void;
  onLeave: () => void;
  /** The token no longer waits (its place expired while the page was away): join again. */
  onSignedOut: () => void;
}) {
  // The room as its participants see it (the presenter's name included) comes with each answer to lobby-status.
  const [room, setRoom] = createSignal<RoomBody | null>(null);
  const [standing, setStanding] = createSignal<Standing>('waiting');
  createDocumentTitle(() => room() && `Waiting: ${room()!.title}`);

  const socket = connectRoomSocket(props.session.token);
  const ask = socketTransport(socket);
  let admitted = false;
  const check = async () => {
    const result = await ask('lobby-status', {});
    if (result.ok) {
      setRoom(result.room);
      if (result.status === 'in' && !admitted) {
        admitted = true;
        // The room page opens its own connection; this one has done its work.
        socket.disconnect();
        props.onAdmitted();
      }
      return;
    }
    if (result.error.code === 'forbidden') deny();
    if (result.error.code === 'room_ended') setStanding('ended');
  };
  const deny = () => {
    setStanding('denied');
    socket.disconnect();
    props.onDenied();
  };
  socket.on('connect', () => void check());
  socket.on('lobby-admitted', () => void check());
  socket.on('room-live', () => void check());
  socket.on('lobby-denied', deny);
  socket.on('room-ended', () => setStanding('ended'));
  socket.on('connect_error', (err) => {
    if (err.message === 'denied') deny();
    else if (err.message === 'unauthorized' || err.message === 'removed') {
      socket.disconnect();
      void api.getRoom(props.slug).then(
        (d) => (d.isActive ? props.onSignedOut() : setStanding('ended')),
        () => setStanding('ended'),
      );
    }
  });
  onCleanup(() => socket.disconnect());

  return (
    <Switch>
      <Match when={standing() === 'ended'}>
        <Topbar />
        <SessionSummary title={room()?.title ?? null} stats={null} presenter={false} />
      </Match>
      <Match when={standing() === 'denied'}>
        <DeniedPage />
      </Match>
      <Match when={true}>
        <Topbar>
          <div class="topbar-actions">
            <button class="button ghost" type="button" onClick={props.onLeave} aria-label="Leave">
              <Icon name="leave" size={18} />
              <span class="button-label">Leave</span>
            </button>
          </div>
        </Topbar>
        <main class="center-page" id="main">
          <section class="card form-card waiting-card" data-testid="waiting-page" aria-live="polite">
            <Show when={room()} fallback={<p class="empty">Loading the room…</p>}>
              {(r) => <WaitingDetails slug={props.slug} room={r()} name={props.session.name} />}
            </Show>
            <DeviceCheck />
          </section>
        </main>
      </Match>
    </Switch>
  );
}

function WaitingDetails(props: { slug: string; room: RoomBody; name: string }) {
  const scheduledAhead = () => props.room.liveAt === null && props.room.startsAt !== null;
  return (
    <>
      <div class="room-heading">
        <span class="kicker">{props.room.liveAt === null ? 'Starting soon' : 'Live now'}</span>
        <h1 id="waiting-title" data-testid="waiting-title">
          {props.room.title}
        </h1>
        <span class="presenter-chip">
          <Avatar name={props.room.presenterName} small /> Presented by {props.room.presenterName}
        </span>
      </div>
      <Show when={props.room.description}>
        <p class="waiting-description" data-testid="waiting-description">
          {props.room.description}
        </p>
      </Show>
      <Show when={scheduledAhead()}>
        <Countdown startsAt={props.room.startsAt!} timeZone={props.room.timeZone} />
        <a class="button block" href={`/api/rooms/${encodeURIComponent(props.slug)}/calendar.ics`} download={`${props.slug}.ics`} data-testid="add-to-calendar">
          <Icon name="check" size={16} /> Add to calendar
        </a>
      </Show>
      <p class="alert info" role="status" data-testid="waiting-status">
        <span class="spinner small" aria-hidden="true" />{' '}
        {props.room.liveAt === null
          ? `Hi ${props.name}, you are in early. You will be let in when the presenter goes live; this page moves on by itself.`
          : `Hi ${props.name}, a host will let you in shortly; this page moves on by itself.`}
      </p>
    </>
  );
}

/** "Starts in 1 h 04 min 09 s", with the time in the viewer's time zone and in the room's. */
export function Countdown(props: { startsAt: string; timeZone: string | null }) {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  const start = () => new Date(props.startsAt);
  const left = () => Math.max(0, Math.round((start().getTime() - now()) / 1000));
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const at = (timeZone: string) =>
    // dateStyle and timeStyle cannot be combined with timeZoneName; the fields are named one by one instead.
    new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(
      start(),
    );
  return (
    <div class="countdown" data-testid="countdown">
      <p class="countdown-value" role="timer" aria-live="off">
        {left() === 0 ? 'Starting any moment' : `Starts in ${formatDuration(left())}`}
      </p>
      <p class="countdown-times">
        <span data-testid="start-viewer-time">{at(viewerZone)} (your time)</span>
        <Show when={props.timeZone && props.timeZone !== viewerZone}>
          <br />
          <span data-testid="start-room-time">
            {at(props.timeZone!)} ({props.timeZone})
          </span>
        </Show>
      </p>
    </div>
  );
}

export function formatDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days} d ${hours} h ${two(minutes)} min`;
  if (hours > 0) return `${hours} h ${two(minutes)} min ${two(seconds)} s`;
  return `${minutes} min ${two(seconds)} s`;
}

export function DeniedPage() {
  return (
    <>
      <Topbar />
      <main class="center-page" id="main">
        <section class="card form-card join-card" data-testid="denied-page" role="alert">
          <h1>You were not let in</h1>
          <p class="subtitle">A host of this session declined your request to join. Your link to this room no longer works.</p>
        </section>
      </main>
    </>
  );
}
