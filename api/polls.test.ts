import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function roomWithPoll(body: Record<string, unknown> = {}) {
  const room = await t.createRoom();
  const ada = await t.join(room.slug, 'Ada');
  const res = await t.call('POST', `/api/rooms/${room.slug}/polls`, {
    token: room.presenterToken,
    body: { question: 'Lunch?', options: ['Pizza', 'Salad', 'Soup'], ...body },
  });
  expect(res.status).toBe(201);
  const { poll } = (await res.json()) as { poll: { id: string } };
  return { room, ada, poll };
}

async function ok(res: Response): Promise<Response> {
  expect(res.status).toBe(200);
  return res;
}

describe('polls over REST', () => {
  it('should list drafts to the presenter only, launch, take a vote and close with the results', async () => {
    const { room, ada, poll } = await roomWithPoll();
    const list = async (token: string) => ((await (await t.call('GET', `/api/rooms/${room.slug}/polls`, { token })).json()) as { polls: unknown[] }).polls;
    expect(await list(ada.token)).toEqual([]);
    expect(await list(room.presenterToken)).toMatchObject([{ id: poll.id, status: 'draft', results: null }]);

    expect((await t.call('POST', `/api/rooms/${room.slug}/polls/${poll.id}/launch`, { token: room.presenterToken })).status).toBe(200);
    const voted = await t.call('PUT', `/api/rooms/${room.slug}/polls/${poll.id}/vote`, { token: ada.token, body: { choices: [2] } });
    expect(voted.status).toBe(200);
    expect(await voted.json()).toMatchObject({ poll: { myChoices: [2], results: null } });
    expect(await list(ada.token)).toMatchObject([{ id: poll.id, status: 'open', myChoices: [2], results: null }]);
    expect(await list(room.presenterToken)).toMatchObject([{ results: { counts: [0, 0, 1], voters: 1 } }]);

    const closed = await t.call('POST', `/api/rooms/${room.slug}/polls/${poll.id}/close`, { token: room.presenterToken });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ poll: { status: 'closed', resultsShared: true, results: { counts: [0, 0, 1], voters: 1 } } });
    expect(await list(ada.token)).toMatchObject([{ results: { counts: [0, 0, 1], voters: 1 } }]);
    const events = t.broadcasts.calls.flatMap((c) => (c.kind === 'toRoom' || c.kind === 'toParticipants') && c.event.startsWith('poll') ? [`${c.kind}:${c.event}`] : []);
    expect(events).toEqual([
      'toParticipants:poll-updated',
      'toRoom:poll-updated',
      'toParticipants:poll-results',
      'toRoom:poll-updated',
      'toParticipants:poll-results',
      'toRoom:poll-updated',
      'toRoom:poll-results',
    ]);
  });

  it('should answer clear errors and change nothing', async () => {
    const { room, ada, poll } = await roomWithPoll();
    const base = `/api/rooms/${room.slug}/polls`;
    expect((await t.call('POST', base, { token: ada.token, body: { question: 'Mine', options: ['A', 'B'] } })).status).toBe(403);
    expect((await t.call('POST', base, { token: room.presenterToken, body: { question: 'One', options: ['A'] } })).status).toBe(400);
    expect((await t.call('POST', base, { body: { question: 'Anyone', options: ['A', 'B'] } })).status).toBe(401);
    // A draft does not exist for attendees.
    const draftVote = await t.call('PUT', `${base}/${poll.id}/vote`, { token: ada.token, body: { choices: [0] } });
    expect(draftVote.status).toBe(404);
    expect(await draftVote.json()).toMatchObject({ error: { code: 'poll_not_found' } });
    expect((await t.call('PUT', `${base}/not-a-uuid/vote`, { token: ada.token, body: { choices: [0] } })).status).toBe(404);
    await t.call('POST', `${base}/${poll.id}/launch`, { token: room.presenterToken });
    const again = await t.call('POST', `${base}/${poll.id}/launch`, { token: room.presenterToken });
    expect(again.status).toBe(409);
    expect((await t.call('PUT', `${base}/${poll.id}/vote`, { token: ada.token, body: { choices: [0, 1] } })).status).toBe(400);
    expect((await t.call('PUT', `${base}/${poll.id}/vote`, { token: ada.token, body: { choices: 'all' } })).status).toBe(400);
    await t.call('POST', `${base}/${poll.id}/close`, { token: room.presenterToken, body: { shareResults: false } });
    const late = await t.call('PUT', `${base}/${poll.id}/vote`, { token: ada.token, body: { choices: [0] } });
    expect(late.status).toBe(409);
    const list = (await (await t.call('GET', base, { token: ada.token })).json()) as { polls: { results: unknown; resultsShared: boolean }[] };
    expect(list.polls).toMatchObject([{ resultsShared: false, results: null }]);
    const hostView = (await (await t.call('GET', base, { token: room.presenterToken })).json()) as { polls: { results: unknown }[] };
    expect(hostView.polls[0]!.results).toEqual({ counts: [0, 0, 0], voters: 0 });
  });

  it('should let a co-host prepare, launch and close polls like the presenter, and refuse them once no longer co-host', async () => {
    const { room, ada } = await roomWithPoll();
    const co = await t.join(room.slug, 'Co');
    const coHost = (on: boolean) =>
      t.call('PUT', `/api/rooms/${room.slug}/participants/${co.participantId}/co-host`, { token: room.presenterToken, body: { coHost: on } });
    expect((await coHost(true)).status).toBe(200);
    const base = `/api/rooms/${room.slug}/polls`;
    const created = await t.call('POST', base, { token: co.token, body: { question: 'Co-host poll?', options: ['Yes', 'No'] } });
    expect(created.status).toBe(201);
    const { poll } = (await created.json()) as { poll: { id: string } };
    // The draft reaches the presenter and the co-host, not the attendees.
    const draft = t.broadcasts.calls.findLast((c) => c.kind === 'toParticipants' && c.event === 'poll-updated');
    expect(draft?.kind === 'toParticipants' && [...draft.participantIds].sort()).toEqual([room.participantId, co.participantId].sort());
    const list = async (token: string) => ((await (await t.call('GET', base, { token })).json()) as { polls: { id: string; status: string }[] }).polls;
    expect((await list(co.token)).map((p) => p.status)).toEqual(['draft', 'draft']);
    expect((await list(ada.token)).map((p) => p.id)).toEqual([]);

    expect((await t.call('POST', `${base}/${poll.id}/launch`, { token: co.token })).status).toBe(200);
    await ok(await t.call('PUT', `${base}/${poll.id}/vote`, { token: ada.token, body: { choices: [1] } }));
    expect(await list(co.token)).toMatchObject([{ status: 'draft' }, { id: poll.id, results: { counts: [0, 1], voters: 1 } }]);

    expect((await coHost(false)).status).toBe(200);
    const refused = await t.call('POST', `${base}/${poll.id}/close`, { token: co.token });
    expect(refused.status).toBe(403);
    expect((await list(co.token)).map((p) => p.status)).toEqual(['open']);
    expect((await t.call('POST', `${base}/${poll.id}/close`, { token: room.presenterToken })).status).toBe(200);
  });
});

