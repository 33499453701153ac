// Splits the presenter's upload budget among attendees so the star never asks for more than the uplink has.
export const DEFAULT_UPLOAD_BUDGET_BPS = 8_000_000;
/** Past this a camera picture stops getting visibly better; the rest is better spent on the screen. */
export const CAMERA_CEILING_BPS = 2_500_000;
export const FLOOR_BPS = 100_000;

export interface SenderBitrates {
  camera: number;
  screen: number;
}

/**
 * Bitrate caps for one attendee's video senders. With a screen share the screen gets the larger part
 * (slides and code need detail) and the camera shrinks to a thumbnail-sized share.
 */
export function allocateBitrates(budgetBps: number, attendees: number, sharing: boolean): SenderBitrates {
  const perAttendee = Math.max(FLOOR_BPS, Math.floor(budgetBps / Math.max(1, attendees)));
  if (!sharing) return { camera: Math.min(CAMERA_CEILING_BPS, perAttendee), screen: 0 };
  const camera = Math.max(Math.floor(FLOOR_BPS / 2), Math.min(CAMERA_CEILING_BPS, Math.floor(perAttendee * 0.3)));
  return { camera, screen: Math.max(FLOOR_BPS, perAttendee - camera) };
}
