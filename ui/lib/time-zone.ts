// Wall-clock times in a named time zone, for scheduling a room in the zone it is announced in.

/** Minutes the zone is ahead of UTC at this instant (Europe/Paris in winter: 60). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant a `datetime-local` value ("2026-12-01T18:30") names in the zone; null for another shape or an unknown zone. Two passes settle the offset on the
 * days clocks change; a wall time the change skips lands just after it.
 */
export function zonedTimeToUtc(local: string, timeZone: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  try {
    const first = wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
    return new Date(wall - zoneOffsetMinutes(new Date(first), timeZone) * 60_000);
  } catch {
    // Intl refuses a zone it does not know.
    return null;
  }
}

/** The zone names this browser knows, for a picker; the viewer's own when the list is not available. */
export function knownTimeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [viewerTimeZone()];
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
