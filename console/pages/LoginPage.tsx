/** Sign in with an API token; the collector answers with an HttpOnly session cookie and the role. The page is the document's main landmark (no header or navigation before sign-in). */
import { useState } from 'preact/hooks';
import { api, ApiFailure, type Session } from '../api.js';
import { ErrorNote } from '../components/Bits.js';

export function LoginPage({ onSession }: { onSession(session: Session): void }) {
  const [token, setToken] = useState('');
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  return (
    <main id="main" class="login">
      <h1>Sign in to Tripline</h1>
      <form
        class="stacked"
        onSubmit={async (e) => {
          e.preventDefault();
          setFailure(undefined);
          try {
            onSession(await api.post<Session>('/api/v1/session', { token }));
          } catch (error) {
            setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
          }
        }}
      >
        <label>
          API token <input name="token" type="password" autoComplete="current-password" required aria-invalid={failure ? true : undefined} aria-describedby={failure ? 'sign-in-error' : undefined} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <ErrorNote id="sign-in-error" error={failure} />
    </main>
  );
}
