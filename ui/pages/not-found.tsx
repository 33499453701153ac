// Any path the app does not know.
import { A } from '@solidjs/router';
import { Topbar } from '../components/topbar.tsx';

export default function NotFound() {
  return (
    <>
      <Topbar />
      <main class="center-page" id="main">
        <section class="card form-card join-card">
          <h1>Page not found</h1>
          <p class="subtitle">The link may be mistyped. Room links look like /r/abc123xyz.</p>
          <A class="button primary block" href="/">
            Go to the home page
          </A>
        </section>
      </main>
    </>
  );
}
