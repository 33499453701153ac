// @vitest-environment jsdom
import { MemoryRouter, Route } from '@solidjs/router';
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import Home from './home.tsx';

afterEach(cleanup);

function renderHome() {
  render(() => (
    <MemoryRouter>
      <Route path="/" component={Home} />
    </MemoryRouter>
  ));
}

describe('Home', () => {
  it('should label every field of the start form', () => {
    renderHome();
    for (const label of ['Title', 'Your name', /Password/, 'Max participants, including you']) expect(screen.getByLabelText(label)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start presenting' })).toBeTruthy();
  });

  it('should explain a participant limit out of range before asking the server', () => {
    renderHome();
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Launch' } });
    fireEvent.input(screen.getByLabelText('Your name'), { target: { value: 'Ada' } });
    fireEvent.input(screen.getByLabelText('Max participants, including you'), { target: { value: '1000' } });
    fireEvent.submit(screen.getByRole('button', { name: 'Start presenting' }).closest('form')!);
    expect(screen.getByRole('alert').textContent).toBe('Max participants must be a whole number from 2 to 500.');
  });

  it('should ask for a longer password, or none', () => {
    renderHome();
    fireEvent.input(screen.getByLabelText(/Password/), { target: { value: '7 chars' } });
    fireEvent.submit(screen.getByRole('button', { name: 'Start presenting' }).closest('form')!);
    expect(screen.getByRole('alert').textContent).toMatch(/at least 8 characters/);
  });

  it('should fill in a generated passphrase and show it, so the presenter can copy it', () => {
    renderHome();
    const field = screen.getByLabelText(/Password/) as HTMLInputElement;
    expect(field.type).toBe('password');
    fireEvent.click(screen.getByRole('button', { name: 'Generate a passphrase' }));
    expect(field.type).toBe('text');
    expect(field.value).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  });
});
