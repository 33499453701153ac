import { describe, expect, it } from 'vitest';
import { credentialsExpireAt } from './room-session.ts';

describe('credentialsExpireAt', () => {
  it('should read the earliest expiry from the TURN usernames, and none without TURN', () => {
    const config = {
      iceServers: [
        { urls: ['stun:stun.example.org'] },
        { urls: ['turn:a'], username: '1700003600:participant', credential: 'x' },
        { urls: ['turn:b'], username: '1700001800:participant', credential: 'y' },
      ],
    };
    expect(credentialsExpireAt(config)).toBe(1_700_001_800_000);
    expect(credentialsExpireAt({ iceServers: [{ urls: 'stun:stun.example.org' }] })).toBeNull();
    expect(credentialsExpireAt({ iceServers: [{ urls: 'turn:c', username: 'static-user', credential: 'z' }] })).toBeNull();
  });
});
