import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachSocket } from '../db/participants.ts';
import { findRoomBySlug } from '../db/rooms.ts';
import { createTestApp, type TestApp } from './testing.ts';
import { hashToken } from '../core/tokens.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('responses', () => {
  it('should never contain a password, a password hash, a token hash or a socket id', async () => {
    const answers: string[] = [];
    const call = async (...args: Parameters<TestApp['call']>) => {
      const res = await t.call(...args);
      const text = await res.text();
      answers.push(`${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
      return JSON.parse(text) as unknown;
    };

    const created = await call('POST', '/api/rooms', { body: { title: 'Secrets', presenterName: 'Ada', password: 'hunter22' } });
    const { slug, presenterToken } = created as { slug: string; presenterToken: string };
    const joined = (await call('POST', `/api/rooms/${slug}/join`, { body: { name: 'Grace', password: 'hunter22' } })) as { token: string; participantId: string };
    await attachSocket(t.database.db, joined.participantId, 'socket-id-that-must-stay-private');
    await call('POST', `/api/rooms/${slug}/join`, { body: { name: 'Mallory', password: 'wrong one' } });
    await call('GET', `/api/rooms/${slug}`);
    await call('POST', `/api/rooms/${slug}/messages`, { token: joined.token, body: { message: 'hi', clientMessageId: 'c1' } });
    await call('GET', `/api/rooms/${slug}/messages`, { token: joined.token });
    const asked = (await call('POST', `/api/rooms/${slug}/questions`, { token: joined.token, body: { question: 'q?' } })) as { questionId: string };
    await call('PUT', `/api/rooms/${slug}/questions/${asked.questionId}/vote`, { token: joined.token });
    await call('POST', `/api/rooms/${slug}/questions/${asked.questionId}/answer`, { token: presenterToken, body: { answer: 'a' } });
    await call('POST', `/api/rooms/${slug}/questions/${asked.questionId}/pin`, { token: presenterToken, body: { pinned: true } });
    await call('GET', `/api/rooms/${slug}/questions`, { token: presenterToken });
    await call('GET', `/api/rooms/${slug}/ice-servers`, { token: joined.token });
    const passwordHash = (await findRoomBySlug(t.database.db, slug))!.passwordHash!;
    await call('DELETE', `/api/rooms/${slug}`, { token: presenterToken });
    await call('GET', `/api/rooms/${slug}`);
    await call('GET', '/api/health');

    const secrets = [
      'hunter22',
      passwordHash,
      passwordHash.slice(7),
      await hashToken(presenterToken),
      await hashToken(joined.token),
      'socket-id-that-must-stay-private',
    ];
    const everything = answers.join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // The tokens themselves appear exactly once each: in the answer that issued them.
    expect(answers.filter((a) => a.includes(presenterToken))).toHaveLength(1);
    expect(answers.filter((a) => a.includes(joined.token))).toHaveLength(1);
    for (const call of t.broadcasts.calls) {
      const payload = JSON.stringify(call);
      for (const secret of [...secrets, presenterToken, joined.token]) expect(payload).not.toContain(secret);
    }
  });
});
