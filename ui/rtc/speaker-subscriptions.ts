// A page's subscriptions to the speakers' feeds on the SFU, one per speaker beside the presenter's, as the server lists them.
import type { SpeakerFeed } from '../../signaling/protocol.ts';
import type { StageMedia } from './attendee-link.ts';
import { makeEmitter } from './emitter.ts';
import type { IceSettings } from './peer.ts';
import { makeSfuSubscriber, type SfuSubscriber } from './sfu-subscriber.ts';
import type { SfuSignaling } from './signaling.ts';

export interface SpeakerSubscriptionsEvents {
  /** Each listed speaker's microphone and camera as they reach this page. */
  media: StageMedia;
}

export interface SpeakerSubscriptionsOptions {
  ice: IceSettings;
  signaling: SfuSignaling;
  /** This page's own participant (once joined): a speaker hears and sees themselves locally. */
  selfId: () => string | undefined;
}

export type SpeakerSubscriptions = ReturnType<typeof makeSpeakerSubscriptions>;

export function makeSpeakerSubscriptions(options: SpeakerSubscriptionsOptions) {
  const events = makeEmitter<SpeakerSubscriptionsEvents>();
  const subscriptions = new Map<string, { subscriber: SfuSubscriber; media: StageMedia[string] }>();

  const emit = () => events.emit('media', Object.fromEntries([...subscriptions].map(([id, s]) => [id, s.media])));

  return {
    on: events.on,
    /**
     * The speakers the server lists now: a new one is subscribed to, a new feed of one (a reload, a Janus restart)
     * followed, and the subscription to one no longer listed (back in the audience) closed.
     */
    follow(speakers: SpeakerFeed[]) {
      const listed = new Map(speakers.filter((s) => s.participantId !== options.selfId()).map((s) => [s.participantId, s.feed]));
      for (const [id, entry] of subscriptions) {
        if (listed.has(id)) continue;
        entry.subscriber.close();
        subscriptions.delete(id);
      }
      for (const [id, feed] of listed) {
        let entry = subscriptions.get(id);
        if (!entry) {
          const created: { subscriber: SfuSubscriber; media: StageMedia[string] } = {
            subscriber: makeSfuSubscriber({ ice: options.ice, signaling: options.signaling.forSpeaker(id) }),
            media: { audio: null, video: null },
          };
          created.subscriber.on('media', (media) => {
            created.media = { audio: media.audio, video: media.camera };
            if (subscriptions.get(id) === created) emit();
          });
          subscriptions.set(id, created);
          entry = created;
        }
        entry.subscriber.follow(feed);
      }
      emit();
    },
    /** The connections, for counting and stats. */
    connections: () => [...subscriptions.values()].flatMap((s) => s.subscriber.connection() ?? []),
    setIceServers(iceServers: RTCIceServer[]) {
      options.ice.iceServers = iceServers;
      for (const { subscriber } of subscriptions.values()) subscriber.setIceServers(iceServers);
    },
    close() {
      for (const { subscriber } of subscriptions.values()) subscriber.close();
      subscriptions.clear();
      events.clear();
    },
  };
}
