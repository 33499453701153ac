// Home: start a presentation with a title, your name, an optional password and a participant limit.
import { DeviceCheck } from '../components/device-check.tsx';
import { useNavigate } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { api } from '../api.ts';
import { createFormSubmit, Field } from '../components/field.tsx';
import { Icon, type IconName } from '../components/icon.tsx';
import { Topbar } from '../components/topbar.tsx';
import { insecureOriginMessage, mediaSupport } from '../rtc/support.ts';
import { newPassphrase } from '../passphrase.ts';
import { saveSession } from '../session.ts';
import { knownTimeZones, viewerTimeZone, zonedTimeToUtc } from '../lib/time-zone.ts';
import {
  DEFAULT_ROOM_SIZE,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_ROOM_DESCRIPTION_LENGTH,
  MAX_ROOM_SIZE,
  MAX_ROOM_TITLE_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_ROOM_SIZE,
} from '../../core/limits.ts';

export default function Home() {
  return (
    <>
      <Topbar />
      <main class="home" id="main">
        <Pitch />
        <StartForm />
        <Features />
      </main>
    </>
  );
}

function Pitch() {
  return (
    <section class="home-pitch">
      <span class="eyebrow">
        <Icon name="spark" size={14} /> Webinars without the install
      </span>
      <h1>
        Present to anyone, <em>right from your browser.</em>
      </h1>
      <p>Open a room, share one link, and go live. Your audience joins with just a name — no accounts, no downloads.</p>
    </section>
  );
}

/** The room's title, the presenter's name, an optional password, the participant limit and address privacy; then the console. */
function StartForm() {
  const navigate = useNavigate();
  const [title, setTitle] = createSignal('');
  const [name, setName] = createSignal('');
  const [password, setPassword] = createSignal('');
  // A generated passphrase is shown, so the presenter can copy it and pass it on.
  const [showPassword, setShowPassword] = createSignal(false);
  const [maxParticipants, setMaxParticipants] = createSignal(String(DEFAULT_ROOM_SIZE));
  const [hideAddresses, setHideAddresses] = createSignal(false);
  const [lobby, setLobby] = createSignal(false);
  const schedule = createSchedule();
  const support = mediaSupport();

  const limit = () => Number(maxParticipants());
  const check = () => {
    if (!Number.isInteger(limit()) || limit() < MIN_ROOM_SIZE || limit() > MAX_ROOM_SIZE) {
      return `Max participants must be a whole number from ${MIN_ROOM_SIZE} to ${MAX_ROOM_SIZE}.`;
    }
    if (password() && password().length < MIN_PASSWORD_LENGTH) {
      return `A password needs at least ${MIN_PASSWORD_LENGTH} characters (or generate one), or leave it empty.`;
    }
    if (schedule.on() && !schedule.start()) return 'Pick the date and time the session starts, and a known time zone.';
    return null;
  };
  const { error, busy, submit } = createFormSubmit(async () => {
    const room = await api.createRoom({
      title: title().trim(),
      presenterName: name().trim(),
      maxParticipants: limit(),
      ...(password() ? { password: password() } : {}),
      // Unticked leaves the server's default (HIDE_ADDRESSES) in charge.
      ...(hideAddresses() ? { hideAddresses: true } : {}),
      ...(lobby() ? { lobby: true } : {}),
      ...schedule.body(),
    });
    saveSession(room.slug, {
      token: room.presenterToken,
      participantId: room.participantId,
      role: 'presenter',
      name: name().trim(),
      joinUrl: room.joinUrl,
    });
    navigate(`/r/${room.slug}/host`);
  }, check);

  return (
    <form class="card form-card" onSubmit={submit} aria-labelledby="start-heading">
      <h2 id="start-heading">Start a presentation</h2>
      <p class="subtitle">You will get a link to share with your audience.</p>
      <Show when={!support.secureOrigin}>
        <p class="alert warning" role="note" data-testid="insecure-origin">
          {insecureOriginMessage(support.origin)} A room started from this page can chat and take questions, but cannot show your camera.
        </p>
      </Show>
      <Field id="room-title" label="Title" required maxLength={MAX_ROOM_TITLE_LENGTH} placeholder="Quarterly product update" value={title()} onValue={setTitle} />
      <Field
        id="presenter-name"
        label="Your name"
        required
        maxLength={MAX_NAME_LENGTH}
        autocomplete="name"
        placeholder="Ada Lovelace"
        value={name()}
        onValue={setName}
      />
      <div class="field-row">
        <Field
          id="room-password"
          label={
            <>
              Password <span class="hint">(optional)</span>
            </>
          }
          type={showPassword() ? 'text' : 'password'}
          minLength={MIN_PASSWORD_LENGTH}
          maxLength={MAX_PASSWORD_LENGTH}
          autocomplete="new-password"
          value={password()}
          onValue={setPassword}
        >
          <button
            class="button ghost small"
            type="button"
            onClick={() => {
              setPassword(newPassphrase());
              setShowPassword(true);
            }}
          >
            Generate a passphrase
          </button>
        </Field>
        <Field
          id="max-participants"
          label="Max participants, including you"
          type="number"
          inputMode="numeric"
          min={MIN_ROOM_SIZE}
          max={MAX_ROOM_SIZE}
          required
          value={maxParticipants()}
          onValue={setMaxParticipants}
        />
      </div>
      <label class="switch" title="Video goes through the server's relay, so no participant learns another's network address">
        <input
          type="checkbox"
          role="switch"
          checked={hideAddresses()}
          onChange={(e) => setHideAddresses(e.currentTarget.checked)}
          data-testid="hide-addresses"
        />
        Hide everyone’s network address (video through the relay)
      </label>
      <label class="switch" title="New attendees wait until you or a co-host let them in">
        <input type="checkbox" role="switch" checked={lobby()} onChange={(e) => setLobby(e.currentTarget.checked)} data-testid="lobby" />
        Lobby: let attendees in one by one
      </label>
      <ScheduleFields schedule={schedule} />
      <DeviceCheck note="Only you see this preview; attendees see you once you start presenting." />
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <button class="button primary large block" type="submit" disabled={busy()}>
        {busy() ? 'Opening your room…' : 'Start presenting'}
      </button>
      <p class="fine-print">Your browser will ask for your camera and microphone.</p>
    </form>
  );
}

/** A start time in a chosen IANA zone and a description, for a room announced ahead (off: live at once). */
function createSchedule() {
  const [on, setOn] = createSignal(false);
  const [startsAt, setStartsAt] = createSignal('');
  const [timeZone, setTimeZone] = createSignal(viewerTimeZone());
  const [description, setDescription] = createSignal('');
  const start = () => (on() ? zonedTimeToUtc(startsAt(), timeZone()) : null);
  const body = () => {
    const at = start();
    if (!at) return {};
    return { startsAt: at.toISOString(), timeZone: timeZone(), ...(description().trim() ? { description: description().trim() } : {}) };
  };
  return { on, setOn, startsAt, setStartsAt, timeZone, setTimeZone, description, setDescription, start, body };
}

function ScheduleFields(props: { schedule: ReturnType<typeof createSchedule> }) {
  const s = props.schedule;
  return (
    <>
      <label class="switch" title="Attendees who open the link early wait on a page with a countdown until you go live">
        <input type="checkbox" role="switch" checked={s.on()} onChange={(e) => s.setOn(e.currentTarget.checked)} data-testid="schedule" />
        Schedule for later
      </label>
      <Show when={s.on()}>
        <div class="field-row">
          <Field id="starts-at" label="Starts at" type="datetime-local" required value={s.startsAt()} onValue={s.setStartsAt} />
          <Field id="time-zone" label="Time zone" list="time-zones" required value={s.timeZone()} onValue={s.setTimeZone}>
            <datalist id="time-zones">
              <For each={knownTimeZones()}>{(zone) => <option value={zone} />}</For>
            </datalist>
          </Field>
        </div>
        <div class="field">
          <label for="room-description">
            Description <span class="hint">(optional, shown on the waiting page)</span>
          </label>
          <textarea
            id="room-description"
            class="input"
            rows={3}
            maxLength={MAX_ROOM_DESCRIPTION_LENGTH}
            value={s.description()}
            onInput={(e) => s.setDescription(e.currentTarget.value)}
          />
        </div>
      </Show>
    </>
  );
}

const features: { icon: IconName; title: string; text: string }[] = [
  { icon: 'screen', title: 'Camera and screen, side by side', text: 'Share slides or code while your face stays on screen.' },
  { icon: 'question', title: 'Questions that rise to the top', text: 'Attendees upvote; you pin and answer the ones that matter.' },
  { icon: 'shield', title: 'Private by design', text: 'Video goes peer to peer, and names are forgotten when the session ends.' },
];

function Features() {
  return (
    <ul class="feature-list home-features" aria-label="Why Podium">
      <For each={features}>
        {(feature) => (
          <li>
            <span class="feature-icon">
              <Icon name={feature.icon} />
            </span>
            <span>
              <strong>{feature.title}</strong>
              {feature.text}
            </span>
          </li>
        )}
      </For>
    </ul>
  );
}
