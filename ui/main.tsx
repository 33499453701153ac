// Browser entry: mounts the Podium app.
import { render } from 'solid-js/web';

function App() {
  return (
    <main>
      <h1>Podium</h1>
      <p>Start a presentation, share the link, take questions.</p>
    </main>
  );
}

render(() => <App />, document.getElementById('root')!);
