import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../net/api';
import { Link } from '../router';
import { useAppDispatch, useAppSelector, useAppStore } from '../store/store';
import { roomActions } from '../store/roomSlice';
import { connectionActions } from '../store/connectionSlice';
import { participantsActions } from '../store/participantsSlice';
import { isDark, uiActions } from '../store/uiSlice';
import { Logo } from '../components/Logo';
import { ThemeToggle } from '../components/ThemeToggle';
import { ConnectionIndicator } from '../components/ConnectionIndicator';
import { LanguagePicker } from '../components/LanguagePicker';
import { ParticipantList, ParticipantStack } from '../components/ParticipantList';
import { ShareButtons } from '../components/ShareButtons';
import { RoomActions } from '../components/RoomActions';
import { HistoryPanel } from '../components/HistoryPanel';
import { historyActions } from '../store/historySlice';
import { rememberRoom, saveName } from '../prefs';
import { languageLabel } from '../languages';
import type { MountedRoom } from '../session/mount-room';

export function RoomPage({ roomId }: { roomId: string }) {
  const dispatch = useAppDispatch();
  const store = useAppStore();
  const room = useAppSelector((s) => s.room);
  const notice = useAppSelector((s) => s.connection.notice);
  const participants = useAppSelector((s) => s.participants.byId);
  const dark = useAppSelector((s) => isDark(s.ui));
  const displayName = useAppSelector((s) => s.ui.displayName);
  const everConnected = useAppSelector((s) => s.connection.everConnected);
  const containerRef = useRef<HTMLDivElement>(null);
  const mounted = useRef<MountedRoom | null>(null);
  const [editorError, setEditorError] = useState<string | null>(null);
  // Open beside the editor on a wide screen; a sheet opened with ☰ on a narrow one.
  const narrow = () => window.matchMedia('(max-width: 800px)').matches;
  const [panelOpen, setPanelOpen] = useState(() => !narrow());
  // History mode: the panel takes the people panel's place and the document
  // at the viewed revision covers the live editor, which goes on underneath.
  const historyOpen = useAppSelector((s) => s.history.open);
  const historyNotice = useAppSelector((s) => s.history.notice);
  const historyViewed = useAppSelector((s) => s.history.viewed);
  const historyViewRef = useRef<HTMLDivElement>(null);
  const openHistory = () => {
    const m = mounted.current;
    if (!m) return;
    setPanelOpen(false);
    dispatch(historyActions.opened({ head: m.revision() }));
  };
  const closeHistory = () => {
    dispatch(historyActions.closed());
    mounted.current?.focus();
  };
  useEffect(() => {
    if (!historyNotice) return;
    const t = setTimeout(() => dispatch(historyActions.noticeCleared()), 5000);
    return () => clearTimeout(t);
  }, [historyNotice, dispatch]);
  // The document as REST returned it, shown read-only until the live editor
  // is ready (Monaco and its workers take a while on a slow link). Local
  // state, not Redux: the document text lives in the editor.
  const [preview, setPreview] = useState<string | null>(null);
  const [following, setFollowing] = useState<string | null>(null);
  // Following ends when the person leaves.
  useEffect(() => {
    if (following && !participants[following]) {
      setFollowing(null);
      mounted.current?.follow(null);
    }
  }, [following, participants]);
  // The latest values, for the editor mounted asynchronously.
  const latest = useRef({ language: room.language, dark });
  latest.current = { language: room.language, dark };

  // Room metadata over REST (name, read-only link, 404).
  useEffect(() => {
    dispatch(roomActions.opened(roomId));
    let cancelled = false;
    api.getRoom(roomId).then(
      (r) => {
        if (cancelled) return;
        dispatch(roomActions.loaded(r));
        setPreview(r.content);
        rememberRoom({ id: r.id, name: r.name, language: r.language, readOnly: r.readOnly });
      },
      (e) => {
        if (cancelled) return;
        const notFound = e instanceof ApiError && e.status === 404;
        dispatch(roomActions.failed({ notFound, message: e instanceof Error ? e.message : String(e) }));
      },
    );
    return () => {
      cancelled = true;
      dispatch(roomActions.closed());
      dispatch(connectionActions.reset());
      dispatch(participantsActions.cleared());
      dispatch(historyActions.closed());
      dispatch(historyActions.noticeCleared());
    };
  }, [roomId, dispatch]);

  // The live editor: Monaco is loaded on demand, so the home page stays light.
  const notFound = room.status === 'not_found';
  useEffect(() => {
    if (notFound) return;
    let disposed = false;
    let m: MountedRoom | null = null;
    import('../session/mount-room').then(
      ({ mountRoom }) => {
        if (disposed || !containerRef.current) return;
        m = mountRoom({
          container: containerRef.current,
          roomId,
          name: displayName || 'Anonymous',
          dispatch,
          isReadOnly: () => store.getState().room.readOnly,
          colorOf: (id) => store.getState().participants.byId[id]?.colorIndex ?? 0,
          ...latest.current,
        });
        mounted.current = m;
        // Catch up with anything that changed while Monaco was loading.
        m.setLanguage(latest.current.language);
        m.readOnlyChanged();
        m.setTheme(latest.current.dark);
      },
      (e) => setEditorError(`The editor failed to load: ${e instanceof Error ? e.message : e}`),
    );
    return () => {
      disposed = true;
      m?.dispose();
      mounted.current = null;
    };
    // Mount once per room; later changes go through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [roomId, notFound, dispatch, store]);

  useEffect(() => mounted.current?.setLanguage(room.language), [room.language]);
  useEffect(() => mounted.current?.readOnlyChanged(), [room.readOnly]);
  useEffect(() => mounted.current?.setTheme(dark), [dark]);

  // A short notice when someone else changes the language. It names the
  // language it announces and is shown only while the room has that language:
  // any later change (ours included) replaces or ends it.
  const [langNotice, setLangNotice] = useState<{ text: string; language: string } | null>(null);
  useEffect(() => {
    const by = room.languageChangedBy;
    if (!by || !participants[by]) {
      setLangNotice(null);
      return;
    }
    setLangNotice({ text: `${participants[by].name} switched the language to ${languageLabel(room.language)}`, language: room.language });
    const t = setTimeout(() => setLangNotice(null), 4000);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [room.language, room.languageChangedBy]);
  const langNoticeText = langNotice && langNotice.language === room.language ? langNotice.text : null;

  useEffect(() => {
    if (room.status === 'ready') document.title = `${room.name || UNTITLED} · tandem`;
    return () => {
      document.title = 'tandem';
    };
  }, [room.name, room.status]);

  // The sheet closes with Escape.
  useEffect(() => {
    if (!panelOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && narrow()) setPanelOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [panelOpen]);

  if (notFound) {
    return (
      <div className="page center">
        <div className="card narrow">
          <h1>Room not found</h1>
          <p className="muted">
            There is no room <code>{roomId}</code>. Check the link, or create a new room.
          </p>
          <Link className="button primary" href="/">
            Go home
          </Link>
        </div>
      </div>
    );
  }

  const rename = (name: string) => {
    saveName(name);
    dispatch(uiActions.displayNameChanged(name));
    mounted.current?.rename(name);
  };

  return (
    <div className="room-page">
      <header className="topbar">
        <Logo />
        <div className="room-title">
          {room.status !== 'ready' ? (
            <h1> </h1>
          ) : room.readOnly ? (
            <h1 title={room.name || UNTITLED}>{room.name || UNTITLED}</h1>
          ) : (
            <RoomTitle
              name={room.name}
              onRename={async (name) => {
                const r = await api.updateRoom(roomId, { name });
                dispatch(roomActions.renamed(r.name));
                rememberRoom({ id: r.id, name: r.name, language: r.language, readOnly: r.readOnly });
              }}
            />
          )}
          {room.readOnly && (
            <span className="badge" data-testid="readonly-badge">
              Read-only
            </span>
          )}
        </div>
        <div className="spacer" />
        <LanguagePicker
          value={room.language}
          disabled={room.readOnly || !everConnected}
          onChange={(lang) => {
            dispatch(roomActions.languageChanged({ language: lang }));
            mounted.current?.session.changeLanguage(lang);
          }}
        />
        <ConnectionIndicator onReconnect={() => mounted.current?.session.reconnectNow()} />
        <ParticipantStack />
        <button
          className="icon-button history-toggle"
          data-testid="history-toggle"
          onClick={() => (historyOpen ? closeHistory() : openHistory())}
          disabled={!everConnected}
          title={historyOpen ? 'Back to live editing' : 'History: earlier revisions, blame, versions'}
          aria-label="History"
          aria-expanded={historyOpen}
          aria-controls="history-panel"
        >
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
            <path d="M3 12a9 9 0 1 0 3-6.7" />
            <path d="M3 4v5h5" />
            <path d="M12 7v5l3 2" />
          </svg>
        </button>
        <button
          className="icon-button panel-toggle"
          data-testid="panel-toggle"
          onClick={() => {
            if (historyOpen) dispatch(historyActions.closed());
            setPanelOpen((o) => !o);
          }}
          title={panelOpen ? 'Hide people and sharing' : 'Show people and sharing'}
          aria-label="People and sharing"
          aria-expanded={panelOpen}
          aria-controls="side-panel"
        >
          <span aria-hidden>☰</span>
        </button>
        <ThemeToggle />
      </header>
      {(notice || langNoticeText || historyNotice || editorError || room.status === 'error') && (
        <div className="notices">
          {editorError && <div className="notice bad">{editorError}</div>}
          {room.status === 'error' && !everConnected && <div className="notice bad">Could not load the room: {room.error}</div>}
          {notice && (
            <div className="notice warn" role="alert">
              {notice}
              <button className="icon-button subtle" onClick={() => dispatch(connectionActions.noticeDismissed())} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {historyNotice && (
            <div className="notice info" role="status" data-testid="history-notice">
              {historyNotice}
            </div>
          )}
          {langNoticeText && (
            <div className="notice info" role="status" data-testid="language-notice">
              {langNoticeText}
            </div>
          )}
        </div>
      )}
      <div className={`room-body${historyOpen ? ' history-mode' : ''}`}>
        <div className="editor-wrap">
          {room.readOnly && <div className="readonly-banner">You are viewing a read-only link. Edits are disabled.</div>}
          <div className="editor" ref={containerRef} data-testid="editor" />
          {historyOpen && (
            <div
              className="history-overlay"
              onKeyDown={(e) => {
                if (e.key === 'Escape') closeHistory();
              }}
            >
              <div className="history-banner">
                Revision {historyViewed}, read-only. Lines changed since are shaded; a green line marks where lines were added.
              </div>
              <div className="history-view" ref={historyViewRef} data-testid="history-view" />
            </div>
          )}
          {!everConnected && (preview === null ? <div className="editor-loading">Connecting…</div> : <DocumentPreview text={preview} />)}
        </div>
        {historyOpen && <HistoryPanel roomId={roomId} mounted={mounted} viewRef={historyViewRef} onClose={closeHistory} />}
        {panelOpen && !historyOpen && <button className="sheet-backdrop" aria-label="Close panel" tabIndex={-1} onClick={() => setPanelOpen(false)} />}
        {panelOpen && !historyOpen && (
          <aside className="side-panel" id="side-panel" data-testid="side-panel" aria-label="People and sharing">
            <div className="sheet-close">
              <button className="icon-button subtle" onClick={() => setPanelOpen(false)} aria-label="Close panel">
                ×
              </button>
            </div>
            <ParticipantList
              onRename={rename}
              onReveal={(id) => mounted.current?.reveal(id) ?? false}
              following={following}
              onFollow={(id) => {
                setFollowing(id);
                mounted.current?.follow(id);
              }}
            />
            <ShareButtons roomId={roomId} readOnlyId={room.readOnlyId} readOnly={room.readOnly} />
            <RoomActions name={room.name} language={room.language} text={() => mounted.current?.text() ?? preview} />
            <section className="panel-section">
              <h2>Shortcuts</h2>
              <ul className="shortcuts muted small">
                <li>
                  <kbd>Ctrl/⌘ Z</kbd> undoes your own edits only
                </li>
                <li>
                  <kbd>Ctrl/⌘ Shift Z</kbd> or <kbd>Ctrl Y</kbd> redoes
                </li>
                <li>
                  <kbd>Ctrl Space</kbd> shows suggestions
                </li>
                <li>
                  <kbd>Ctrl M</kbd> (<kbd>Ctrl Shift M</kbd> on a Mac) switches Tab between indenting and moving focus: press it, then Tab leaves the editor
                </li>
              </ul>
            </section>
          </aside>
        )}
      </div>
    </div>
  );
}

const UNTITLED = 'Untitled room';

// RoomTitle is the room's name, editable in place: Enter or leaving the field
// saves it (PATCH /api/rooms/{id}), Escape goes back. Empty is "Untitled room".
function RoomTitle({ name, onRename }: { name: string; onRename(name: string): Promise<void> }) {
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(name), [name]);
  const save = async () => {
    const next = draft.trim();
    if (next === name) return setDraft(name);
    try {
      setError(null);
      await onRename(next);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setDraft(name);
    }
  };
  return (
    <>
      <input
        className="title-input"
        data-testid="room-title"
        aria-label="Room name"
        value={draft}
        placeholder={UNTITLED}
        maxLength={200}
        title={error ?? (name || UNTITLED)}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
          if (e.key === 'Escape') {
            setDraft(name);
            (e.target as HTMLInputElement).blur();
          }
        }}
      />
      {error && (
        <span className="sr-only" role="alert">
          Could not rename the room: {error}
        </span>
      )}
    </>
  );
}

// DocumentPreview shows a document read-only, with line numbers, in the
// editor's place while the editor loads.
function DocumentPreview({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <div className="document-preview" data-testid="document-preview" aria-label="Document (read-only while the editor loads)">
      <div className="preview-status" role="status">
        Loading the editor… (read-only)
      </div>
      <pre className="preview-text">
        {lines.map((line, i) => (
          <div className="preview-line" key={i}>
            <span className="preview-number" aria-hidden>
              {i + 1}
            </span>
            <code>{line || ' '}</code>
          </div>
        ))}
      </pre>
    </div>
  );
}
