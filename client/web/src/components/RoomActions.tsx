import { InlineError } from './InlineError';
import { useState } from 'react';
import { api } from '../net/api';
import { navigate, roomPath } from '../router';
import { downloadName } from '../languages';

/**
 * Everyday actions on the room's document: download it as a file named after
 * the room with the language's extension, and fork it into a new room (same
 * language and text, a new id; the original is untouched).
 */
export function RoomActions({ name, language, text }: { name: string; language: string; text(): string | null }) {
  const [forking, setForking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const download = () => {
    const content = text();
    if (content === null) return;
    const url = URL.createObjectURL(new Blob([content], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = downloadName(name, language);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const fork = async () => {
    const content = text();
    if (content === null) return;
    setForking(true);
    setError(null);
    try {
      const r = await api.createRoom({ name: `${name || 'Untitled room'} (fork)`.slice(0, 100), language, content });
      navigate(roomPath(r.id));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setForking(false);
    }
  };
  return (
    <section className="panel-section">
      <h2>Room</h2>
      <div className="room-actions">
        <button className="button small" data-testid="download" onClick={download} title={`Download ${downloadName(name, language)}`}>
          Download
        </button>
        <button className="button small" data-testid="fork" onClick={() => void fork()} disabled={forking} title="A new room with a copy of this document">
          {forking ? 'Forking…' : 'Fork'}
        </button>
      </div>
      <InlineError what="fork the room" error={error} />
    </section>
  );
}
