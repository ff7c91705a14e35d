import { useState } from 'react';
import { roomPath } from '../router';

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (insecure origin): fall back to a selection copy.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

function CopyButton({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const url = value;
  return (
    <div className="share-row">
      <div className="share-text">
        <span className="share-label">{label}</span>
        <code className="share-url" title={url}>
          {url}
        </code>
      </div>
      <button
        className="button small"
        data-testid={testId}
        data-url={url}
        aria-label={`Copy the ${label.toLowerCase()}`}
        onClick={async () => {
          setState((await copy(url)) ? 'copied' : 'failed');
          setTimeout(() => setState('idle'), 1600);
        }}
      >
        {state === 'copied' ? 'Copied ✓' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {state === 'copied' ? `${label} copied` : state === 'failed' ? `Could not copy the ${label.toLowerCase()}` : ''}
      </span>
    </div>
  );
}

const origin = window.location.origin;

export function ShareButtons({ roomId, readOnlyId, readOnly }: { roomId: string; readOnlyId: string | null; readOnly: boolean }) {
  return (
    <section className="panel-section">
      <h2>Share</h2>
      {!readOnly && <CopyButton label="Edit link" value={origin + roomPath(roomId)} testId="copy-edit-link" />}
      {(readOnlyId || readOnly) && <CopyButton label="Read-only link" value={origin + roomPath(readOnly ? roomId : readOnlyId!)} testId="copy-readonly-link" />}
      <CopyButton label="Room id" value={roomId} testId="copy-room-id" />
    </section>
  );
}
