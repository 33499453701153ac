// What attendees received during a session, for the report: each attendee's browser reports its received video
// frame rate, packet loss and round-trip time now and then (over the SFU with `sfu-stats`, over the star with
// `received-quality`); the room keeps only sums and counts per media mode, and the report divides them.
import { z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { addQualitySample, qualitySums, type QualitySample } from '../db/report.ts';
import type { MediaModeName } from '../db/schema.ts';
import { roomEnded, RoomError } from './errors.ts';
import { RECEIVED_QUALITY_SAMPLE_MS } from './limits.ts';
import type { Actor } from './room.ts';

/** One attendee's report of what it receives now (the same bounds as the SFU's `sfu-stats`). */
export const receivedQualityInput = z.object({
  decodeFps: z.number().min(0).max(240).openapi({ description: 'Frames per second decoded of the best received video' }),
  lossPct: z.number().min(0).max(100).openapi({ description: 'Received video packets lost since the last report, in percent' }),
  rttMs: z.number().min(0).max(60_000).openapi({ description: 'Round-trip time of the connection, in ms' }),
});

const average = z
  .object({
    samples: z.number().int().openapi({ description: 'Reports averaged (at most one per attendee every few seconds)' }),
    decodeFps: z.number(),
    lossPct: z.number(),
    rttMs: z.number(),
  })
  .openapi('ReceivedQuality');

export const receivedQualitySchema = average
  .extend({
    byMode: z.object({ star: average.nullable(), sfu: average.nullable() }).openapi({ description: 'The same per media mode; null where no attendee reported in that mode' }),
  })
  .nullable()
  .openapi({ description: 'What attendees received, averaged over their reports during the session; null when none reported' });

export type ReceivedQualityBody = z.infer<typeof receivedQualitySchema>;

export interface QualityRecorder {
  /**
   * Counts one attendee's sample toward the room's averages for `mode`; false when it came sooner than
   * RECEIVED_QUALITY_SAMPLE_MS after this attendee's last counted one (it is then not counted). Refused for the
   * presenter (it receives nothing) and once the room has ended.
   */
  record(actor: Pick<Actor, 'roomId' | 'participantId' | 'role'>, mode: MediaModeName, sample: QualitySample): Promise<boolean>;
}

export function createQualityRecorder(db: Database, sampleMs = RECEIVED_QUALITY_SAMPLE_MS): QualityRecorder {
  const last = new Map<string, number>();
  return {
    async record(actor, mode, sample) {
      if (actor.role !== 'attendee') throw new RoomError('forbidden', 'Only attendees report what they receive');
      const now = Date.now();
      const prev = last.get(actor.participantId);
      if (prev !== undefined && now - prev < sampleMs) return false;
      if (last.size >= 100_000) for (const [id, at] of last) if (now - at >= sampleMs) last.delete(id);
      last.set(actor.participantId, now);
      const { decodeFps, lossPct, rttMs } = sample;
      if (!(await addQualitySample(db, actor.roomId, mode, { decodeFps, lossPct, rttMs }))) throw roomEnded();
      return true;
    },
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The room's averages, overall and per mode, from its sums. */
export async function receivedQualityOf(db: Database, roomId: string): Promise<ReceivedQualityBody> {
  const rows = await qualitySums(db, roomId);
  const of = (list: typeof rows) => {
    const samples = list.reduce((n, r) => n + r.samples, 0);
    if (samples === 0) return null;
    const sum = (key: 'decodeFpsSum' | 'lossPctSum' | 'rttMsSum') => list.reduce((n, r) => n + r[key], 0);
    return { samples, decodeFps: round(sum('decodeFpsSum') / samples), lossPct: round(sum('lossPctSum') / samples), rttMs: Math.round(sum('rttMsSum') / samples) };
  };
  const all = of(rows);
  if (!all) return null;
  return { ...all, byMode: { star: of(rows.filter((r) => r.mode === 'star')), sfu: of(rows.filter((r) => r.mode === 'sfu')) } };
}
