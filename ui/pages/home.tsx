// Home: start a presentation with a title, your name, an optional password and a participant limit.
import { useNavigate } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { api, describeError } from '../api.ts';
import { Icon } from '../components/icon.tsx';
import { Topbar } from '../components/topbar.tsx';
import { insecureOriginMessage, mediaSupport } from '../rtc/support.ts';
import { newPassphrase } from '../passphrase.ts';
import { saveSession } from '../session.ts';
import { knownTimeZones, viewerTimeZone, zonedTimeToUtc } from '../lib/time-zone.ts';
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MAX_ROOM_DESCRIPTION_LENGTH, MAX_ROOM_TITLE_LENGTH, MIN_PASSWORD_LENGTH } from '../../core/limits.ts';

export default function Home() {
  const navigate = useNavigate();
  const [title, setTitle] = createSignal('');
  const [name, setName] = createSignal('');
  const [password, setPassword] = createSignal('');
  // A generated passphrase is shown, so the presenter can copy it and pass it on.
  const [showPassword, setShowPassword] = createSignal(false);
  const [maxParticipants, setMaxParticipants] = createSignal('50');
  const [hideAddresses, setHideAddresses] = createSignal(false);
  const [lobby, setLobby] = createSignal(false);
  const [scheduled, setScheduled] = createSignal(false);
  const [startsAt, setStartsAt] = createSignal('');
  const [timeZone, setTimeZone] = createSignal(viewerTimeZone());
  const [description, setDescription] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const support = mediaSupport();

  const submit = async (event: Event) => {
    event.preventDefault();
    const limit = Number(maxParticipants());
    if (!Number.isInteger(limit) || limit < 2 || limit > 500) return setError('Max participants must be a whole number from 2 to 500.');
    if (password() && password().length < MIN_PASSWORD_LENGTH) {
      return setError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters (or generate one), or leave it empty.`);
    }
    const start = scheduled() ? zonedTimeToUtc(startsAt(), timeZone()) : null;
    if (scheduled() && !start) return setError('Pick the date and time the session starts.');
    setBusy(true);
    setError(null);
    try {
      const room = await api.createRoom({
        ...(start ? { startsAt: start.toISOString(), timeZone: timeZone() } : {}),
        ...(scheduled() && description().trim() ? { description: description().trim() } : {}),
        ...(lobby() ? { lobby: true } : {}),
        title: title().trim(),
        presenterName: name().trim(),
        maxParticipants: limit,
        ...(password() ? { password: password() } : {}),
        // Unticked leaves the server's default (HIDE_ADDRESSES) in charge.
        ...(hideAddresses() ? { hideAddresses: true } : {}),
      });
      saveSession(room.slug, {
        token: room.presenterToken,
        participantId: room.participantId,
        role: 'presenter',
        name: name().trim(),
        joinUrl: room.joinUrl,
      });
      navigate(`/r/${room.slug}/host`);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <>
      <Topbar />
      <main class="home" id="main">
        <section class="home-pitch">
          <span class="eyebrow">
            <Icon name="spark" size={14} /> Webinars without the install
          </span>
          <h1>
            Present to anyone, <em>right from your browser.</em>
          </h1>
          <p>Open a room, share one link, and go live. Your audience joins with just a name — no accounts, no downloads.</p>
        </section>

        <form class="card form-card" onSubmit={submit} aria-labelledby="start-heading">
          <h2 id="start-heading">Start a presentation</h2>
          <p class="subtitle">You will get a link to share with your audience.</p>
          <Show when={!support.secureOrigin}>
            <p class="alert warning" role="note" data-testid="insecure-origin">
              {insecureOriginMessage(support.origin)} A room started from this page can chat and take questions, but cannot show your camera.
            </p>
          </Show>
          <div class="field">
            <label for="room-title">Title</label>
            <input
              id="room-title"
              class="input"
              required
              maxLength={MAX_ROOM_TITLE_LENGTH}
              placeholder="Quarterly product update"
              value={title()}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="presenter-name">Your name</label>
            <input
              id="presenter-name"
              class="input"
              required
              maxLength={MAX_NAME_LENGTH}
              autocomplete="name"
              placeholder="Ada Lovelace"
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <div class="field-row">
            <div class="field">
              <label for="room-password">
                Password <span class="hint">(optional)</span>
              </label>
              <input
                id="room-password"
                class="input"
                type={showPassword() ? 'text' : 'password'}
                minLength={MIN_PASSWORD_LENGTH}
                maxLength={MAX_PASSWORD_LENGTH}
                autocomplete="new-password"
                value={password()}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
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
            </div>
            <div class="field">
              <label for="max-participants">Max participants</label>
              <input
                id="max-participants"
                class="input"
                type="number"
                inputMode="numeric"
                min={2}
                max={500}
                required
                value={maxParticipants()}
                onInput={(e) => setMaxParticipants(e.currentTarget.value)}
              />
            </div>
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
          <label class="switch" title="Attendees who open the link early wait on a page with a countdown until you go live">
            <input type="checkbox" role="switch" checked={scheduled()} onChange={(e) => setScheduled(e.currentTarget.checked)} data-testid="schedule" />
            Schedule for later
          </label>
          <Show when={scheduled()}>
            <div class="field-row">
              <div class="field">
                <label for="starts-at">Starts at</label>
                <input id="starts-at" class="input" type="datetime-local" required value={startsAt()} onInput={(e) => setStartsAt(e.currentTarget.value)} />
              </div>
              <div class="field">
                <label for="time-zone">Time zone</label>
                <input id="time-zone" class="input" list="time-zones" required value={timeZone()} onInput={(e) => setTimeZone(e.currentTarget.value)} />
                <datalist id="time-zones">
                  <For each={knownTimeZones()}>{(zone) => <option value={zone} />}</For>
                </datalist>
              </div>
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
                value={description()}
                onInput={(e) => setDescription(e.currentTarget.value)}
              />
            </div>
          </Show>
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
        <ul class="feature-list home-features" aria-label="Why Podium">
          <li>
            <span class="feature-icon">
              <Icon name="screen" />
            </span>
            <span>
              <strong>Camera and screen, side by side</strong>
              Share slides or code while your face stays on screen.
            </span>
          </li>
          <li>
            <span class="feature-icon">
              <Icon name="question" />
            </span>
            <span>
              <strong>Questions that rise to the top</strong>
              Attendees upvote; you pin and answer the ones that matter.
            </span>
          </li>
          <li>
            <span class="feature-icon">
              <Icon name="shield" />
            </span>
            <span>
              <strong>Private by design</strong>
              Video goes peer to peer, and names are forgotten when the session ends.
            </span>
          </li>
        </ul>
      </main>
    </>
  );
}
