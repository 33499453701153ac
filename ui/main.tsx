// Browser entry: routes, with the room pages loaded on demand so the home page stays small.
import { installCompat } from './lib/compat.ts';
import { Route, Router } from '@solidjs/router';
import { lazy } from 'solid-js';
import { render } from 'solid-js/web';
import { ReconnectingNotice } from './components/reconnecting-notice.tsx';
import Home from './pages/home.tsx';
import './styles.css';

const Join = lazy(() => import('./pages/join.tsx'));
const Host = lazy(() => import('./pages/host.tsx'));
const Report = lazy(() => import('./pages/report.tsx'));
const NotFound = lazy(() => import('./pages/not-found.tsx'));

installCompat();

render(
  () => (
    <>
      <ReconnectingNotice />
      <Router>
        <Route path="/" component={Home} />
        <Route path="/r/:slug" component={Join} />
        <Route path="/r/:slug/host" component={Host} />
        <Route path="/r/:slug/report" component={Report} />
        <Route path="*" component={NotFound} />
      </Router>
    </>
  ),
  document.getElementById('root')!,
);
