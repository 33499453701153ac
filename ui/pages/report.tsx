// The session report for the presenter: figures, an attendance chart, questions and polls; download as CSV or JSON, or print.
import { useParams } from '@solidjs/router';
import { createResource, For, Match, Show, Switch } from 'solid-js';
import type { ReportBody } from '../../core/report.ts';
import { api } from '../api.ts';
import { createDocumentTitle } from '../components/document-title.ts';
import { Topbar } from '../components/topbar.tsx';
import { loadReportToken } from '../session.ts';

export default function ReportPage() {
  const params = useParams<{ slug: string }>();
  const token = () => loadReportToken(params.slug);
  const [report] = createResource(
    () => token(),
    (t) => api.report(params.slug, t),
  );
  createDocumentTitle(() => (report() ? `Report: ${report()!.title}` : 'Session report'));

  const download = async (kind: 'csv' | 'json') => {
    const t = token();
    if (!t) return;
    const blob = kind === 'csv' ? await api.reportCsv(params.slug, t) : new Blob([JSON.stringify(report(), null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `podium-report-${params.slug}.${kind}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  };

  return (
    <>
      <Topbar />
      <main class="report-page" id="main">
        <Switch>
          <Match when={!token() || report.error}>
            <section class="card summary">
              <h1>No report here</h1>
              <p>Reports are kept for the presenter who ran the session, in the browser they used, until the retention period ends.</p>
            </section>
          </Match>
          <Match when={report()}>{(r) => <Report report={r()} download={download} />}</Match>
        </Switch>
      </main>
    </>
  );
}

function Report(props: { report: ReportBody; download: (kind: 'csv' | 'json') => void }) {
  const r = () => props.report;
  const time = (iso: string) => new Date(iso).toLocaleString();
  return (
    <article class="report" data-testid="report">
      <header class="report-head">
        <div>
          <h1>{r().title}</h1>
          <p class="muted">
            {time(r().startedAt)} · {r().durationMinutes} min
            <Show when={r().deleteAfter}>{(at) => <> · kept until {time(at())}</>}</Show>
          </p>
        </div>
        <div class="report-actions no-print">
          <button class="button small" onClick={() => props.download('csv')}>
            Download CSV
          </button>
          <button class="button small" onClick={() => props.download('json')}>
            Download JSON
          </button>
          <button class="button small primary" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </header>
      <dl class="stats">
        <Figure label="Peak attendees" value={r().attendance.peak} id="peak" />
        <Figure label="Attendees" value={r().attendance.total} id="total" />
        <Figure label="Chat messages" value={r().chat.messages} id="messages" />
        <Figure label="Reactions" value={r().chat.reactions} id="reactions" />
        <Figure label="Questions" value={r().questions.length} id="questions" />
        <Figure label="Media" value={r().media.mode === 'sfu' ? 'SFU' : 'Star'} id="media" />
      </dl>
      <section>
        <h2>Received quality</h2>
        <Show
          when={r().media.averageReceivedQuality}
          fallback={<p class="muted">No attendee reported what they received (nobody watched, or their browsers could not say).</p>}
        >
          {(q) => (
            <table class="report-table" data-testid="report-quality">
              <caption class="muted">Averaged over attendees' reports during the session (one every few seconds each).</caption>
              <thead>
                <tr>
                  <th scope="col">Media</th>
                  <th scope="col">Video frame rate</th>
                  <th scope="col">Packet loss</th>
                  <th scope="col">Round trip</th>
                  <th scope="col">Reports</th>
                </tr>
              </thead>
              <tbody>
                <For each={qualityRows(q())}>
                  {([label, row]) => (
                    <tr>
                      <th scope="row">{label}</th>
                      <td>{row.decodeFps} fps</td>
                      <td>{row.lossPct} %</td>
                      <td>{row.rttMs} ms</td>
                      <td>{row.samples}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          )}
        </Show>
      </section>
      <section>
        <h2>Attendance over time</h2>
        <AttendanceChart timeline={r().attendance.timeline} />
      </section>
      <section>
        <h2>Questions</h2>
        <Show when={r().questions.length} fallback={<p class="muted">No questions were asked.</p>}>
          <table class="report-table" data-testid="report-questions">
            <thead>
              <tr>
                <th>Question</th>
                <th>Votes</th>
                <th>Answer</th>
              </tr>
            </thead>
            <tbody>
              <For each={r().questions}>
                {(q) => (
                  <tr>
                    <td>{q.question}</td>
                    <td>{q.votes}</td>
                    <td>{q.isAnswered ? q.answer : 'Not answered'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </section>
      <section>
        <h2>Polls</h2>
        <Show when={r().polls.length} fallback={<p class="muted">No polls were launched.</p>}>
          <For each={r().polls}>
            {(p) => (
              <div class="report-poll" data-testid="report-poll">
                <h3>
                  {p.question} <span class="muted">({p.voters} voters)</span>
                </h3>
                <ul>
                  <For each={p.options}>
                    {(o) => (
                      <li>
                        {o.option}: <strong>{o.votes}</strong>
                      </li>
                    )}
                  </For>
                </ul>
              </div>
            )}
          </For>
        </Show>
      </section>
      <p class="muted">The report holds no names.</p>
    </article>
  );
}

function Figure(props: { label: string; value: number | string; id: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd data-testid={`report-${props.id}`}>{props.value}</dd>
    </div>
  );
}

/** A line of attendees present over the session, in SVG (prints and scales like text). */
function AttendanceChart(props: { timeline: ReportBody['attendance']['timeline'] }) {
  const width = 600;
  const height = 160;
  const pad = 24;
  const max = () => Math.max(1, ...props.timeline.map((p) => p.present));
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, props.timeline.length - 1);
  const y = (n: number) => height - pad - (n * (height - 2 * pad)) / max();
  const points = () => props.timeline.map((p, i) => `${x(i).toFixed(1)},${y(p.present).toFixed(1)}`).join(' ');
  return (
    <svg class="attendance-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Attendance over time, at most ${max()} attendees`}>
      <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} class="axis" />
      <line x1={pad} y1={pad} x2={pad} y2={height - pad} class="axis" />
      <text x={pad - 6} y={pad + 4} text-anchor="end" class="tick">
        {max()}
      </text>
      <text x={pad - 6} y={height - pad + 4} text-anchor="end" class="tick">
        0
      </text>
      <polyline points={points()} class="line" fill="none" />
    </svg>
  );
}

type Quality = NonNullable<ReportBody['media']['averageReceivedQuality']>;

/** One row per media mode the session used, after the overall one when it used both. */
function qualityRows(q: Quality): [string, Omit<Quality, 'byMode'>][] {
  if (!q.byMode.star || !q.byMode.sfu) return [[q.byMode.sfu ? 'SFU' : 'Star', q]];
  return [
    ['All', q],
    ['Star', q.byMode.star],
    ['SFU', q.byMode.sfu],
  ];
}
