import { describe, expect, it } from 'vitest';
import { allocateBitrates, CAMERA_CEILING_BPS, DEFAULT_UPLOAD_BUDGET_BPS, FLOOR_BPS } from './budget.ts';

describe('allocateBitrates', () => {
  it('should cap one attendee camera at the camera ceiling, not the whole budget', () => {
    expect(allocateBitrates(DEFAULT_UPLOAD_BUDGET_BPS, 1, false)).toEqual({ camera: CAMERA_CEILING_BPS, screen: 0 });
  });

  it('should split the budget among attendees so the total stays within it', () => {
    for (const attendees of [1, 2, 4, 10, 40]) {
      for (const sharing of [false, true]) {
        const { camera, screen } = allocateBitrates(DEFAULT_UPLOAD_BUDGET_BPS, attendees, sharing);
        expect((camera + screen) * attendees).toBeLessThanOrEqual(DEFAULT_UPLOAD_BUDGET_BPS);
      }
    }
  });

  it('should give the screen the larger share while sharing', () => {
    const { camera, screen } = allocateBitrates(DEFAULT_UPLOAD_BUDGET_BPS, 4, true);
    expect(screen).toBeGreaterThan(camera);
    expect(camera + screen).toBe(DEFAULT_UPLOAD_BUDGET_BPS / 4);
  });

  it('should keep a floor when the room is far larger than the budget', () => {
    const { camera } = allocateBitrates(1_000_000, 500, false);
    expect(camera).toBe(FLOOR_BPS);
  });

  it('should treat zero attendees like one', () => {
    expect(allocateBitrates(4_000_000, 0, false)).toEqual(allocateBitrates(4_000_000, 1, false));
  });
});
