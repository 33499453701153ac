// What a finished session leaves behind: the presenter sees its numbers, attendees a friendly goodbye.
import { Show } from 'solid-js';
import { A } from '@solidjs/router';
import type { SessionStatsBody } from '../../core/schemas.ts';
import { Icon } from './icon.tsx';

export function SessionSummary(props: { title: string | null; stats: SessionStatsBody | null; presenter: boolean; reportHref?: string }) {
  return (
    <main class="center-page" id="main">
      <section class="card summary" data-testid={props.presenter ? 'session-summary' : 'session-ended'}>
        <span class="ended-icon">
          <Icon name="check" size={28} />
        </span>
        <h1 tabIndex={-1} ref={(el) => queueMicrotask(() => (document.activeElement === document.body || !document.activeElement) && el.focus())}>
          {props.presenter ? 'Session summary' : 'This session has ended'}
        </h1>
        <p>
          <Show when={props.title} fallback="Thanks for being part of it.">
            “{props.title}” is over. {props.presenter ? 'Here is how it went.' : 'Thanks for joining.'}
          </Show>
        </p>
        <Show when={props.presenter && props.stats}>
          {(stats) => (
            <dl class="stats">
              <div class="stat">
                <dt>Peak audience</dt>
                <dd data-testid="stat-peak">{stats().maxConcurrentParticipants}</dd>
              </div>
              <div class="stat">
                <dt>Participants</dt>
                <dd data-testid="stat-participants">{stats().totalParticipants}</dd>
              </div>
              <div class="stat">
                <dt>Chat messages</dt>
                <dd data-testid="stat-messages">{stats().totalMessages}</dd>
              </div>
              <div class="stat">
                <dt>Questions</dt>
                <dd data-testid="stat-questions">{stats().totalQuestions}</dd>
              </div>
              <div class="stat">
                <dt>Minutes</dt>
                <dd data-testid="stat-minutes">{stats().sessionDurationMinutes}</dd>
              </div>
            </dl>
          )}
        </Show>
        <Show when={props.reportHref}>
          {(href) => (
            <A class="button primary large" href={href()} data-testid="open-report">
              Open the full report
            </A>
          )}
        </Show>
        <A class={props.reportHref ? 'button ghost large' : 'button primary large'} href="/">
          Start your own presentation
        </A>
      </section>
    </main>
  );
}
