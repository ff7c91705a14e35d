import { useRef, useState } from 'react';
import { api } from '../net/api';
import { useAppDispatch } from '../store/store';
import { historyActions } from '../store/historySlice';
import { restoreRevision } from '../history/restore';
import { InlineError } from './InlineError';
import { errorMessage } from './HistoryParts';

// RestoreButton asks first, in a modal dialog, then restores with one id
// (resent on a network failure) and goes back to the live document.
export function RestoreButton({ roomId, revision, disabled }: { roomId: string; revision: number; disabled: boolean }) {
  const dispatch = useAppDispatch();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(revision);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await restoreRevision((req) => api.restore(roomId, req), asked);
      dialog.current?.close();
      dispatch(historyActions.restored({ from: asked, to: res.revision }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        className="button restore-button"
        data-testid="restore"
        disabled={disabled}
        onClick={() => {
          setAsked(revision);
          setError(null);
          dialog.current?.showModal();
        }}
      >
        Restore this version
      </button>
      <dialog ref={dialog} className="dialog" aria-labelledby="restore-title" aria-describedby="restore-text" data-testid="restore-dialog">
        <h2 id="restore-title">Restore revision {asked}?</h2>
        <p id="restore-text">
          Everyone’s document becomes the text of revision {asked}, as one new change on top of the history. Nothing is lost: the text as it is now stays
          in the history and can be restored in turn.
        </p>
        <InlineError what="restore" error={error} />
        <div className="dialog-actions">
          <button className="button" onClick={() => dialog.current?.close()} disabled={busy} autoFocus>
            Cancel
          </button>
          <button className="button primary" data-testid="restore-confirm" onClick={() => void confirm()} disabled={busy}>
            {busy ? 'Restoring…' : 'Restore'}
          </button>
        </div>
      </dialog>
    </>
  );
}
