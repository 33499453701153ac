// Who is in the room; for the presenter, the live state and network path of each attendee's peer connection.
import { createMemo, For, Show } from 'solid-js';
import type { ParticipantBody } from '../../core/schemas.ts';
import { useRoom } from '../room/room-context.tsx';
import type { AttendeeLinkView } from '../rtc/presenter-hub.ts';
import { Avatar } from './avatar.tsx';
import { Icon } from './icon.tsx';
import { ShareLink } from './share-link.tsx';

const stateLabel: Record<AttendeeLinkView['state'], string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  failed: 'Failed',
  closed: 'Closed',
};

const layerLabel = { high: 'high', medium: 'medium', low: 'low', 'audio-only': 'audio only' } as const;
const layerReason = {
  loss: 'packet loss',
  rtt: 'slow round trips',
  bandwidth: 'low bandwidth',
  decode: 'slow device',
  request: 'asked for it',
  recovered: 'link recovered',
} as const;

const stateTone: Record<AttendeeLinkView['state'], string> = {
  connecting: 'warning',
  connected: 'success',
  reconnecting: 'warning',
  failed: 'danger',
  closed: '',
};

/** With `joinUrl` (the presenter's console), the link to invite people comes first. */
export function ParticipantsPanel(props: { joinUrl?: string }) {
  const room = useRoom();
  const people = createMemo(() =>
    [...room.state.participants].sort((a, b) => (a.role === b.role ? (a.name ?? '').localeCompare(b.name ?? '') : a.role === 'presenter' ? -1 : 1)),
  );
  const alone = () => !room.state.participants.some((p) => p.id !== room.state.self?.participantId);
  return (
    <div class="panel-scroll" tabIndex={0} role="region" aria-label="People in the room">
      <Show when={props.joinUrl}>{(url) => <ShareLink url={url()} />}</Show>
      <Show when={alone()}>
        <p class="people-empty" data-testid="people-empty">
          No one else is here yet. Share this link to invite people.
        </p>
      </Show>
      <ul class="people" aria-label="Participants" data-testid="participants">
        <For each={people()}>{(participant) => <Person participant={participant} />}</For>
      </ul>
    </div>
  );
}

function Person(props: { participant: ParticipantBody }) {
  const room = useRoom();
  const p = () => props.participant;
  const link = () => room.state.peers[p().id];
  const layer = () => room.state.sfuLayers[p().id];
  const isSelf = () => p().id === room.state.self?.participantId;
  return (
    <li class="person" data-testid="participant" data-participant-id={p().id}>
      <Avatar name={p().name} small />
      <span class="person-name">
        {p().name ?? 'Someone'}
        <Show when={isSelf()}> (you)</Show>
      </span>
      <Show when={p().role === 'presenter'}>
        <span class="role-tag">Presenter</span>
      </Show>
      <Show when={p().role === 'attendee' && !p().isMuted}>
        <span class="pill" title="Microphone on" aria-label="Microphone on" role="img">
          <Icon name="mic" size={12} />
        </span>
      </Show>
      <Show when={room.session.role === 'presenter' && p().role === 'attendee'}>
        <span class="person-link" data-testid="peer-state" data-state={link()?.state ?? 'waiting'} data-path={link()?.path ?? ''}>
          <span class={`pill ${link() ? stateTone[link()!.state] : ''}`}>
            <span class="dot" aria-hidden="true" /> {link() ? stateLabel[link()!.state] : 'Waiting'}
          </span>
          <Show when={link()?.state === 'connected' && link()?.path}>
            <span
              class="pill"
              title={link()!.path === 'relay' ? 'Media goes through the relay (TURN) server' : 'Media goes directly between your browser and theirs'}
            >
              {link()!.path === 'relay' ? 'Relay' : 'Direct'}
            </span>
          </Show>
          <Show when={link()?.unreachable && link()?.state !== 'connected'}>
            <span title="No candidate pair succeeded: their network and yours found no way to each other">No network path</span>
          </Show>
          <Show when={link()?.state === 'connected'}>
            <span>
              {link()!.rttMs ?? '–'} ms · {link()!.outgoingKbps ?? '–'} kbit/s
            </span>
          </Show>
          <Show when={layer()}>
            {(l) => (
              <span data-testid="sfu-layer" data-layer={l().layer} data-reason={l().reason}>
                Media server: {layerLabel[l().layer]} ({layerReason[l().reason]})
              </span>
            )}
          </Show>
          <Show when={link()?.videoPaused}>
            <span>{link()!.videoPaused === 'request' ? 'Audio only' : 'Video paused (weak link)'}</span>
          </Show>
          <Show when={link()?.state === 'failed'}>
            <button
              class="button small"
              type="button"
              onClick={() => room.presenter()?.hub.addAttendee(p().id)}
              aria-label={`Reconnect ${p().name ?? 'this attendee'}`}
            >
              Reconnect
            </button>
          </Show>
        </span>
      </Show>
    </li>
  );
}
