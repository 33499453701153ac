// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { ApiRequestError, describeError } from './api.ts';
import { forgetSession, loadSession, saveSession } from './session.ts';

afterEach(() => localStorage.clear());

describe('room sessions in localStorage', () => {
  it('should keep one token per room and forget it on leave', () => {
    saveSession('room-a', { token: 'ta', participantId: 'pa', role: 'presenter', name: 'Ada', joinUrl: 'https://podium.example/r/room-a' });
    saveSession('room-b', { token: 'tb', participantId: 'pb', role: 'attendee', name: 'Bob' });
    expect(loadSession('room-a')).toEqual({ token: 'ta', participantId: 'pa', role: 'presenter', name: 'Ada', joinUrl: 'https://podium.example/r/room-a' });
    forgetSession('room-a');
    expect(loadSession('room-a')).toBeUndefined();
    expect(loadSession('room-b')?.token).toBe('tb');
  });

  it('should ignore stored values that are not a session', () => {
    localStorage.setItem('podium:room:x', '{not json');
    localStorage.setItem('podium:room:y', JSON.stringify({ token: 't', participantId: 'p', role: 'admin' }));
    expect(loadSession('x')).toBeUndefined();
    expect(loadSession('y')).toBeUndefined();
  });
});

describe('describeError', () => {
  it('should say what to do for each join failure', () => {
    expect(describeError(new ApiRequestError(401, 'invalid_password', 'x'))).toMatch(/password is not right/);
    expect(describeError(new ApiRequestError(409, 'room_full', 'x'))).toMatch(/room is full/);
    expect(describeError(new ApiRequestError(410, 'room_ended', 'x'))).toMatch(/already ended/);
    expect(describeError(new ApiRequestError(404, 'room_not_found', 'x'))).toMatch(/no room at this link/);
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Please try again.');
  });
});
