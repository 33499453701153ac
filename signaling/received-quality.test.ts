import { describe, expect, it } from 'vitest';
import { qualitySums } from '../db/report.ts';
import { createTestRoom, joinAs, useSignaling } from './testing.ts';

const live = useSignaling();

describe('received-quality over the socket', () => {
  it('should count a star attendee at most once per interval, refuse the presenter and bad reports, and keep the sums through the end', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const [ada, bob] = [(await joinAs(live.url, await addAttendee('Ada'), room.slug)).socket, (await joinAs(live.url, await addAttendee('Bob'), room.slug)).socket];

    expect(await ada.emitWithAck('received-quality', { decodeFps: 30, lossPct: 2, rttMs: 40 })).toEqual({ ok: true, counted: true });
    // Sooner than the interval: acknowledged, not counted, so a chatty page does not weigh more than a quiet one.
    expect(await ada.emitWithAck('received-quality', { decodeFps: 1, lossPct: 90, rttMs: 900 })).toEqual({ ok: true, counted: false });
    expect(await bob.emitWithAck('received-quality', { decodeFps: 20, lossPct: 0, rttMs: 60 })).toEqual({ ok: true, counted: true });
    expect(await host.emitWithAck('received-quality', { decodeFps: 30, lossPct: 0, rttMs: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    for (const bad of [{}, { decodeFps: -1, lossPct: 0, rttMs: 0 }, { decodeFps: 30, lossPct: 101, rttMs: 0 }, { decodeFps: 30, lossPct: 0, rttMs: '5' }, null, 'fast']) {
      // Bad payloads on purpose: the server is the one that must refuse them.
      const answer = await (bob.emitWithAck as (e: string, p: unknown) => Promise<unknown>)('received-quality', bad);
      expect(answer).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    }
    expect(await qualitySums(live.db, room.id)).toEqual([{ mode: 'star', samples: 2, decodeFpsSum: 50, lossPctSum: 2, rttMsSum: 100 }]);

    expect(await host.emitWithAck('end-room', {})).toMatchObject({ ok: true });
    expect(await qualitySums(live.db, room.id)).toEqual([{ mode: 'star', samples: 2, decodeFpsSum: 50, lossPctSum: 2, rttMsSum: 100 }]);
  });
});
