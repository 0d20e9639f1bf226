import { useState } from 'preact/hooks';
import { Field, Problem } from '../components/ui.tsx';
import { useAction } from '../lib/use-load.ts';
import { signIn } from '../lib/session.ts';

/** The labels API.md fixes: "Email", "Password", "Sign in". */
export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  return (
    <main class="sign-in">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => signIn(email.trim(), password));
        }}
      >
        <h1>Sign in to Beckon</h1>
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onInput={setEmail}
          error={error?.fieldError('email')}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={setPassword}
          error={error?.fieldError('password')}
        />
        <Problem error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
