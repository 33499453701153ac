import { describe, expect, it } from 'vitest';
import { zonedTimeToUtc, zoneOffsetMinutes } from './time-zone.ts';

describe('zonedTimeToUtc', () => {
  it('should read a wall time in the named zone, in winter and in summer', () => {
    expect(zonedTimeToUtc('2026-12-01T18:30', 'Europe/Paris')?.toISOString()).toBe('2026-12-01T17:30:00.000Z');
    expect(zonedTimeToUtc('2026-07-01T18:30', 'Europe/Paris')?.toISOString()).toBe('2026-07-01T16:30:00.000Z');
    expect(zonedTimeToUtc('2026-03-10T09:00', 'America/New_York')?.toISOString()).toBe('2026-03-10T13:00:00.000Z');
    expect(zonedTimeToUtc('2026-01-15T10:00', 'Asia/Kolkata')?.toISOString()).toBe('2026-01-15T04:30:00.000Z');
  });

  it('should refuse what is not a datetime-local value', () => {
    expect(zonedTimeToUtc('tomorrow', 'UTC')).toBeNull();
    expect(zonedTimeToUtc('2026-12-01', 'UTC')).toBeNull();
    expect(zonedTimeToUtc('2026-12-01T10:00', 'Mars/Olympus_Mons')).toBeNull();
  });

  it('should give the zone offset at an instant', () => {
    expect(zoneOffsetMinutes(new Date('2026-12-01T12:00:00Z'), 'Europe/Paris')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-12-01T12:00:00Z'), 'UTC')).toBe(0);
  });
});
