import { useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { Field, Problem } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { session } from '../lib/session.ts';
import type { SessionInfo } from '../lib/types.ts';
import { useAction } from '../lib/use-load.ts';

/** The one-time link from an invite or `beckon users add`: `/dashboard/set-password?token=…`. */
export function SetPassword() {
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const [, navigate] = useLocation();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const { busy, error, run } = useAction();
  const mismatch = again !== '' && again !== password;

  return (
    <main class="sign-in">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (mismatch) return;
          void run(async () => {
            session.value = await api.post<SessionInfo>('/v1/session/password', {
              token,
              password,
            });
            navigate('/', { replace: true });
          });
        }}
      >
        <h1>Choose your password</h1>
        {!token && <p class="problem">This link has no token: ask for a new one.</p>}
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onInput={setPassword}
          error={error?.fieldError('password')}
        />
        <Field
          label="Repeat the password"
          type="password"
          autoComplete="new-password"
          required
          value={again}
          onInput={setAgain}
          error={mismatch ? 'The two passwords differ' : undefined}
        />
        <Problem error={error} />
        <button type="submit" class="primary" disabled={busy || !token}>
          Set password and sign in
        </button>
      </form>
    </main>
  );
}
