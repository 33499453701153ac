// Join /r/:slug: the room's title and how full it is (names are for participants only), a name (and a password when needed), then the attendee view.
import { A, useParams } from '@solidjs/router';
import { createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { api, ApiRequestError, describeError } from '../api.ts';
import { createFormSubmit, Field } from '../components/field.tsx';
import { Icon } from '../components/icon.tsx';
import { Topbar } from '../components/topbar.tsx';
import { forgetSession, loadSession, rememberedName, rememberName, saveSession, type RoomSession } from '../session.ts';
import { AttendeeRoom } from './attendee-room.tsx';
import { Countdown, WaitingRoom } from './waiting-room.tsx';
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH } from '../../core/limits.ts';

export default function Join() {
  const params = useParams<{ slug: string }>();
  const slug = () => params.slug;
  const [session, setSession] = createSignal<RoomSession | undefined>(loadSession(slug()));
  const [notice, setNotice] = createSignal<string | null>(null);
  const [details] = createResource(
    () => (session()?.role === 'attendee' ? undefined : slug()),
    (s) => api.getRoom(s),
  );

  const leave = (message: string | null) => {
    forgetSession(slug());
    setNotice(message);
    setSession(undefined);
  };

  return (
    <Switch
      fallback={
        <>
          <Topbar />
          <main class="center-page" id="main">
            <Switch fallback={<Loading />}>
              <Match when={details.error}>
                <RoomProblem error={details.error} />
              </Match>
              <Match when={details()?.isActive === false}>
                <SessionSummaryFrame title={details()!.room.title} />
              </Match>
              <Match when={session()?.role === 'presenter' && details()}>
                <PresenterHere slug={slug()} onJoinAsAttendee={() => leave(null)} />
              </Match>
              <Match when={details()}>
                {(room) => (
                  <JoinForm
                    slug={slug()}
                    title={room().room.title}
                    participantCount={room().room.participantCount}
                    isFull={room().room.isFull}
                    hasPassword={room().room.hasPassword}
                    description={room().room.description}
                    startsAt={room().room.startsAt}
                    timeZone={room().room.timeZone}
                    live={room().room.liveAt !== null}
                    notice={notice()}
                    onJoined={(s) => {
                      setNotice(null);
                      setSession(s);
                    }}
                  />
                )}
              </Match>
            </Switch>
          </main>
        </>
      }
    >
      <Match when={session()?.role === 'attendee' && session()?.waiting && session()}>
        {(s) => (
          <WaitingRoom
            slug={slug()}
            session={s()}
            onAdmitted={() => {
              // Into the room without a reload: the same token, now let in.
              const admitted: RoomSession = { ...s(), waiting: false };
              saveSession(slug(), admitted);
              setSession(admitted);
            }}
            onDenied={() => forgetSession(slug())}
            onLeave={() => leave('You left the waiting room. You can join again at any time.')}
            onSignedOut={() => leave('Your place in the waiting room expired. Enter your name to join again.')}
          />
        )}
      </Match>
      <Match when={session()?.role === 'attendee' && session()}>
        {(s) => (
          <AttendeeRoom
            slug={slug()}
            session={s()}
            onLeave={() => leave('You left the session. You can join again at any time.')}
            onSignedOut={() => leave('Your place in this room expired. Enter your name to join again.')}
          />
        )}
      </Match>
    </Switch>
  );
}

function Loading() {
  return (
    <p class="empty" role="status">
      Loading the room…
    </p>
  );
}

function SessionSummaryFrame(props: { title: string }) {
  return (
    <section class="card summary" data-testid="session-ended">
      <span class="ended-icon">
        <Icon name="check" size={28} />
      </span>
      <h1>This session has ended</h1>
      <p>“{props.title}” is over. Thanks for stopping by.</p>
      <A class="button primary large" href="/">
        Start your own presentation
      </A>
    </section>
  );
}

function RoomProblem(props: { error: unknown }) {
  const notFound = () => props.error instanceof ApiRequestError && props.error.status === 404;
  return (
    <section class="card form-card join-card" data-testid="room-problem">
      <h1>{notFound() ? 'Room not found' : 'This room could not be loaded'}</h1>
      <p class="alert" role="alert">
        {describeError(props.error)}
      </p>
      <A class="button block" href="/">
        Go to the home page
      </A>
    </section>
  );
}

function PresenterHere(props: { slug: string; onJoinAsAttendee: () => void }) {
  return (
    <section class="card form-card join-card">
      <h1>You are presenting this room</h1>
      <p class="subtitle">This browser opened the room. Head to your console to go live.</p>
      <A class="button primary large block" href={`/r/${props.slug}/host`}>
        Open the presenter console
      </A>
      <button class="button ghost block" type="button" onClick={props.onJoinAsAttendee}>
        Forget the presenter link and join as an attendee
      </button>
    </section>
  );
}

function JoinForm(props: {
  slug: string;
  title: string;
  participantCount: number;
  isFull: boolean;
  hasPassword: boolean;
  description: string | null;
  startsAt: string | null;
  timeZone: string | null;
  live: boolean;
  notice: string | null;
  onJoined: (session: RoomSession) => void;
}) {
  // Someone coming back (after leaving, or to another room) finds their name filled in.
  const [name, setName] = createSignal(rememberedName());
  const [password, setPassword] = createSignal('');
  const { error, busy, submit } = createFormSubmit(async () => {
    const joined = await api.joinRoom(props.slug, { name: name().trim(), ...(props.hasPassword ? { password: password() } : {}) });
    const session: RoomSession = {
      token: joined.token,
      participantId: joined.participantId,
      role: 'attendee',
      name: name().trim(),
      ...(joined.waiting ? { waiting: true } : {}),
    };
    saveSession(props.slug, session);
    rememberName(session.name);
    props.onJoined(session);
  }, undefined, (err) => {
    // Focus goes where the fix is: the password after a wrong one, the name after a refused name.
    const code = err instanceof ApiRequestError ? err.code : null;
    const field = code === 'invalid_password' ? 'room-password' : code === 'validation_error' ? 'attendee-name' : null;
    if (field) queueMicrotask(() => (document.getElementById(field) as HTMLInputElement | null)?.select());
  });

  return (
    <form class="card form-card join-card" onSubmit={submit} aria-labelledby="join-title" data-testid="join-form">
      <div class="room-heading">
        <span class="kicker">You are invited to</span>
        <h1 id="join-title" class="join-title">
          {props.title}
        </h1>
        <span class="presenter-chip" data-testid="room-occupancy">
          {props.isFull ? 'The room is full for now' : `${props.participantCount} ${props.participantCount === 1 ? 'person' : 'people'} here now`}
        </span>
      </div>
      <Show when={props.description}>
        <p class="waiting-description">{props.description}</p>
      </Show>
      <Show when={props.startsAt && !props.live}>
        <Countdown startsAt={props.startsAt!} timeZone={props.timeZone} />
      </Show>
      <Show when={props.notice}>
        <p class="alert info" role="status">
          {props.notice}
        </p>
      </Show>
      <Field
        id="attendee-name"
        label="Your name"
        required
        maxLength={MAX_NAME_LENGTH}
        autocomplete="name"
        value={name()}
        onValue={setName}
        aria-describedby={error() ? 'join-error' : undefined}
      />
      <Show when={props.hasPassword}>
        <Field
          id="room-password"
          label={
            <>
              <Icon name="lock" size={14} /> Room password
            </>
          }
          type="password"
          required
          maxLength={MAX_PASSWORD_LENGTH}
          autocomplete="current-password"
          value={password()}
          onValue={setPassword}
          aria-describedby={error() ? 'join-error' : undefined}
        />
      </Show>
      <Show when={error()}>
        <p class="alert" role="alert" id="join-error" data-testid="join-error">
          {error()}
        </p>
      </Show>
      <button class="button primary large block" type="submit" disabled={busy()}>
        {busy() ? 'Joining…' : 'Join'}
      </button>
      <p class="fine-print">Only your name is shared with the room, and it is forgotten when the session ends.</p>
    </form>
  );
}
