import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../net/api';
import { navigate, roomIdFromInput, roomPath, Link } from '../router';
import { LanguagePicker } from '../components/LanguagePicker';
import { ThemeToggle } from '../components/ThemeToggle';
import { Logo } from '../components/Logo';
import { forgetRoom, loadRecent, saveName, type RecentRoom } from '../prefs';
import { languageLabel } from '../languages';
import { useAppDispatch, useAppSelector } from '../store/store';
import { uiActions } from '../store/uiSlice';

function timeAgo(t: number): string {
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export function Home() {
  const dispatch = useAppDispatch();
  const displayName = useAppSelector((s) => s.ui.displayName);
  const [name, setName] = useState('');
  const [language, setLanguage] = useState('javascript');
  const [content, setContent] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [join, setJoin] = useState('');
  const [joinError, setJoinError] = useState<string | null>(null);
  const [recent, setRecent] = useState<RecentRoom[]>(loadRecent);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreating(true);
    setCreateError(null);
    try {
      const room = await api.createRoom({ name: name.trim() || undefined, language, content: content || undefined });
      navigate(roomPath(room.id));
    } catch (err) {
      setCreateError(err instanceof ApiError ? err.message : 'The room could not be created.');
      setCreating(false);
    }
  };

  const joinRoom = (e: FormEvent) => {
    e.preventDefault();
    const id = roomIdFromInput(join);
    if (!id) {
      setJoinError('Paste a room link (…/rooms/abc123) or a room id.');
      return;
    }
    navigate(roomPath(id));
  };

  return (
    <div className="page">
      <header className="topbar">
        <Logo />
        <div className="spacer" />
        <label className="you-label">
          <span className="muted small">Your name</span>
          <input
            className="input compact"
            value={displayName}
            maxLength={40}
            onChange={(e) => dispatch(uiActions.displayNameChanged(e.target.value))}
            onBlur={(e) => saveName(e.target.value)}
            data-testid="display-name"
          />
        </label>
        <ThemeToggle />
      </header>
      <main className="home">
        <section className="hero">
          <h1>Write code together, live.</h1>
          <p className="muted">Create a room, share the link, and everyone edits the same file in real time.</p>
        </section>
        <div className="home-grid">
          <form className="card" onSubmit={create} data-testid="create-form">
            <h2>Create a room</h2>
            <label className="field">
              <span>Name</span>
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="Untitled room" maxLength={100} />
            </label>
            <label className="field">
              <span>Language</span>
              <LanguagePicker value={language} onChange={setLanguage} />
            </label>
            <label className="field">
              <span>
                Starting content <span className="muted">(optional)</span>
              </span>
              <textarea className="input code" rows={5} value={content} onChange={(e) => setContent(e.target.value)} placeholder="Paste code to start from…" spellCheck={false} />
            </label>
            {createError && <p className="error">{createError}</p>}
            <button className="button primary" type="submit" disabled={creating}>
              {creating ? 'Creating…' : 'Create room'}
            </button>
          </form>
          <div className="stack">
            <form className="card" onSubmit={joinRoom}>
              <h2>Join a room</h2>
              <label className="field">
                <span>Link or room id</span>
                <input className="input" value={join} onChange={(e) => (setJoin(e.target.value), setJoinError(null))} placeholder="https://…/rooms/abc123" />
              </label>
              {joinError && <p className="error">{joinError}</p>}
              <button className="button" type="submit">
                Join
              </button>
            </form>
            <section className="card">
              <h2>Recent rooms</h2>
              {recent.length === 0 ? (
                <p className="muted small">Rooms you open appear here.</p>
              ) : (
                <ul className="recent">
                  {recent.map((r) => (
                    <li key={r.id}>
                      <Link href={roomPath(r.id)} className="recent-link">
                        <span className="recent-name">{r.name || r.id}</span>
                        <span className="muted small">
                          {languageLabel(r.language)}
                          {r.readOnly ? ' · read-only' : ''} · {timeAgo(r.visitedAt)}
                        </span>
                      </Link>
                      <button
                        className="icon-button subtle"
                        title="Remove from this list"
                        aria-label={`Remove ${r.name || r.id} from recent rooms`}
                        onClick={() => {
                          forgetRoom(r.id);
                          setRecent(loadRecent());
                        }}
                      >
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </div>
      </main>
    </div>
  );
}
