import { useState } from 'react';
import { api } from '../net/api';
import type { Version } from '../net/protocol';
import { useAppDispatch } from '../store/store';
import { historyActions } from '../store/historySlice';
import { InlineError } from './InlineError';
import { errorMessage, when } from './HistoryParts';

// Versions: name the viewed revision, list the named ones (newest first),
// jump to one, rename one in place.
export function Versions({
  roomId,
  versions,
  status,
  error,
  viewed,
  readOnly,
  onJump,
}: {
  roomId: string;
  versions: Version[];
  status: string;
  error: string | null;
  viewed: number;
  readOnly: boolean;
  onJump(rev: number): void;
}) {
  const dispatch = useAppDispatch();
  const [name, setName] = useState('');
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (!name.trim()) return;
    setSaving(true);
    setSaveError(null);
    try {
      dispatch(historyActions.versionSaved(await api.createVersion(roomId, { name: name.trim(), revision: viewed })));
      setName('');
    } catch (e) {
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <section className="panel-section">
      <h2>
        Versions <span className="count">{versions.length}</span>
      </h2>
      {!readOnly && (
        <form
          className="version-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input
            className="input"
            type="text"
            data-testid="version-name"
            aria-label={`Name for revision ${viewed}`}
            placeholder={`Name revision ${viewed}`}
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button className="button" type="submit" data-testid="save-version" disabled={saving || !name.trim()}>
            Save
          </button>
        </form>
      )}
      <InlineError what="save the version" error={saveError} />
      {status === 'loading' && <p className="muted small">Loading versions…</p>}
      <InlineError what="load the versions" error={status === 'error' ? error : null} />
      {status === 'ready' && versions.length === 0 && <p className="muted small">No named versions yet.</p>}
      <ul className="versions" data-testid="versions">
        {versions.map((v) => (
          <VersionRow key={v.id} roomId={roomId} version={v} current={v.revision === viewed} readOnly={readOnly} onJump={onJump} />
        ))}
      </ul>
    </section>
  );
}

function VersionRow({ roomId, version, current, readOnly, onJump }: { roomId: string; version: Version; current: boolean; readOnly: boolean; onJump(rev: number): void }) {
  const dispatch = useAppDispatch();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(version.name);
  const [error, setError] = useState<string | null>(null);
  const rename = async () => {
    const next = draft.trim();
    setEditing(false);
    if (!next || next === version.name) return setDraft(version.name);
    try {
      setError(null);
      dispatch(historyActions.versionSaved(await api.renameVersion(roomId, version.id, next)));
    } catch (e) {
      setError(errorMessage(e));
      setDraft(version.name);
    }
  };
  return (
    <li className={`version${current ? ' current' : ''}`} data-version-id={version.id}>
      {editing ? (
        <input
          className="input"
          type="text"
          aria-label={`New name for ${version.name}`}
          maxLength={200}
          autoFocus
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => void rename()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
            if (e.key === 'Escape') {
              setDraft(version.name);
              setEditing(false);
            }
          }}
        />
      ) : (
        <button className="version-jump" aria-current={current ? 'true' : undefined} onClick={() => onJump(version.revision)} title={`Show revision ${version.revision}`}>
          <span className="name">{version.name}</span>
          <span className="muted small">
            r{version.revision} · {when(version.createdAt)}
          </span>
        </button>
      )}
      {!readOnly && !editing && (
        <button className="icon-button subtle" aria-label={`Rename ${version.name}`} onClick={() => setEditing(true)}>
          ✎
        </button>
      )}
      <InlineError what="rename the version" error={error} />
    </li>
  );
}
