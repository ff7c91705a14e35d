// The history panel: a timeline over revisions 0 … head, the changes near
// the revision viewed (by whom, when), blame, named versions and restore. The
// document at the viewed revision is shown read-only in the history view over
// the editor (viewRef); the live document goes on underneath and is never
// replaced. Everything is fetched per revision looked at (content, blame, a
// page of operations around it), never the whole log.

import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { api } from '../net/api';
import type { BlameSpan, CommittedOp } from '../net/protocol';
import { useAppDispatch, useAppSelector, useAppStore } from '../store/store';
import { historyActions, historyLoading } from '../store/historySlice';
import { RevisionFetcher } from '../history/revision-fetcher';
import { blameLines, blameRuns, type BlameRun } from '../history/blame-lines';
import { authorOf, authorsSignature } from '../history/authors';
import type { ChangeSummary, HistoryView } from '../history/history-view';
import type { MountedRoom } from '../session/mount-room';
import { InlineError } from './InlineError';
import { errorMessage, Swatch, when } from './HistoryParts';
import { RestoreButton } from './RestoreButton';
import { Versions } from './HistoryVersions';

/** Operations listed around the viewed revision: this many before it and after it. */
const NEARBY = 4;

export function HistoryPanel({
  roomId,
  mounted,
  viewRef,
  onClose,
}: {
  roomId: string;
  mounted: RefObject<MountedRoom | null>;
  viewRef: RefObject<HTMLDivElement | null>;
  onClose(): void;
}) {
  const dispatch = useAppDispatch();
  const store = useAppStore();
  const h = useAppSelector((s) => s.history);
  const readOnly = useAppSelector((s) => s.room.readOnly);
  // Author labels are redrawn when a name or colour changes, not on every cursor move.
  const authors = useAppSelector(authorsSignature);
  const author = (clientId: string) => authorOf(store.getState(), clientId);

  const view = useRef<HistoryView | null>(null);
  const timeline = useRef<HTMLInputElement>(null);
  // Keyboard users land on the timeline when history mode starts.
  useEffect(() => timeline.current?.focus(), []);
  const shownText = useRef<{ revision: number; text: string } | null>(null);
  const [changes, setChanges] = useState<ChangeSummary | null>(null);
  const [nearby, setNearby] = useState<{ around: number; ops: CommittedOp[]; error?: string } | null>(null);
  const [runs, setRuns] = useState<BlameRun[] | null>(null);
  const fetchers = useRef<{ content: RevisionFetcher<string>; blame: RevisionFetcher<BlameSpan[]>; ops: RevisionFetcher<CommittedOp[]> } | null>(null);

  // Mounted while history mode is on: the view over the editor, the fetchers,
  // the versions; the head is read from the live session every second (acks
  // move it too, not only text).
  useEffect(() => {
    const m = mounted.current;
    const container = viewRef.current;
    if (!m || !container) return;
    const v = m.openHistory(container, setChanges);
    view.current = v;
    const blame = new RevisionFetcher<BlameSpan[]>({
      fetch: (rev, signal) => api.blame(roomId, rev, signal).then((b) => b.spans),
      onResult: (rev, spans) => {
        const shown = shownText.current;
        if (!shown || shown.revision !== rev) return;
        try {
          setRuns(blameRuns(blameLines(shown.text, spans)));
          dispatch(historyActions.blameFailed(null));
        } catch (e) {
          dispatch(historyActions.blameFailed(errorMessage(e)));
        }
      },
      onError: (_rev, e) => dispatch(historyActions.blameFailed(errorMessage(e))),
      delayMs: 0,
      maxEntries: 4,
      weigh: (spans) => spans.length,
      maxWeight: 200_000,
    });
    const content = new RevisionFetcher<string>({
      fetch: (rev, signal) => api.getRoomAt(roomId, rev, signal).then((r) => r.content),
      onResult: (rev, text) => {
        shownText.current = { revision: rev, text };
        setRuns(null);
        v.show(rev, text);
        dispatch(historyActions.revisionShown(rev));
      },
      onError: (rev, e) => dispatch(historyActions.revisionFailed({ revision: rev, message: errorMessage(e) })),
      delayMs: 250,
      maxEntries: 12,
      weigh: (text) => text.length,
      maxWeight: 8_000_000,
    });
    const ops = new RevisionFetcher<CommittedOp[]>({
      fetch: (rev, signal) => api.getOps(roomId, Math.max(0, rev - NEARBY - 1), 2 * NEARBY + 1, signal),
      onResult: (rev, list) => setNearby({ around: rev, ops: list }),
      onError: (rev, e) => setNearby({ around: rev, ops: [], error: errorMessage(e) }),
      delayMs: 250,
      maxEntries: 32,
    });
    fetchers.current = { content, blame, ops };
    const loadVersions = async () => {
      dispatch(historyActions.versionsLoading());
      try {
        dispatch(historyActions.versionsLoaded(await api.listVersions(roomId)));
      } catch (e) {
        dispatch(historyActions.versionsFailed(errorMessage(e)));
      }
    };
    void loadVersions();
    const poll = setInterval(() => {
      const head = m.revision();
      if (head !== store.getState().history.head) dispatch(historyActions.headChanged(head));
    }, 1000);
    return () => {
      clearInterval(poll);
      content.dispose();
      blame.dispose();
      ops.dispose();
      fetchers.current = null;
      v.dispose();
      view.current = null;
      shownText.current = null;
    };
  }, [roomId, mounted, viewRef, dispatch, store]);

  // The viewed revision: its content (debounced), and the operations around it.
  useEffect(() => {
    if (!h.open) return;
    fetchers.current?.content.request(h.viewed);
    fetchers.current?.ops.request(h.viewed);
  }, [h.open, h.viewed]);

  // Blame of the revision on screen, while the toggle is on.
  useEffect(() => {
    const shown = shownText.current;
    if (!h.blame) {
      fetchers.current?.blame.cancel();
      setRuns(null);
    } else if (shown && h.shown === shown.revision) fetchers.current?.blame.request(shown.revision);
  }, [h.blame, h.shown]);

  useEffect(() => {
    view.current?.setBlame(runs, (run) => {
      const a = author(run.clientId);
      return { text: a.label, colorIndex: a.colorIndex };
    });
    // author reads the store; authors says when its answers change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, authors]);

  const blameAuthors = useMemo(() => {
    if (!runs) return [];
    const lines = new Map<string, number>();
    for (const r of runs) lines.set(r.clientId, (lines.get(r.clientId) ?? 0) + r.endLine - r.startLine + 1);
    return [...lines].sort((a, b) => b[1] - a[1]);
  }, [runs]);

  const loading = historyLoading(h);
  const viewedOp = nearby?.ops.find((o) => o.revision === h.viewed);
  const scrub = (rev: number) => dispatch(historyActions.scrubbed(rev));

  return (
    <aside
      className="side-panel history-panel"
      id="history-panel"
      data-testid="history-panel"
      aria-label="History"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !(e.target as HTMLElement).closest('dialog, input[type=text]')) onClose();
      }}
    >
      <section className="panel-section">
        <div className="history-head">
          <h2>History</h2>
          <button className="button small primary" data-testid="history-close" onClick={onClose}>
            Back to live editing
          </button>
        </div>
        <label className="timeline">
          <span className="sr-only">Revision</span>
          <input
            ref={timeline}
            type="range"
            data-testid="timeline"
            min={0}
            max={h.head}
            step={1}
            value={h.viewed}
            aria-valuetext={`Revision ${h.viewed} of ${h.head}`}
            onChange={(e) => scrub(Number(e.target.value))}
          />
        </label>
        <div className="timeline-row">
          <button className="icon-button" aria-label="Previous revision" disabled={h.viewed <= 0} onClick={() => scrub(h.viewed - 1)}>
            ‹
          </button>
          <RevisionInput value={h.viewed} head={h.head} onChange={scrub} />
          <span className="muted small">of {h.head}</span>
          <button className="icon-button" aria-label="Next revision" disabled={h.viewed >= h.head} onClick={() => scrub(h.viewed + 1)}>
            ›
          </button>
        </div>
        <p className="muted small history-status" role="status" data-testid="history-status">
          {h.error
            ? `Revision ${h.viewed} cannot be shown: ${h.error}`
            : loading
              ? `Loading revision ${h.viewed}…`
              : describeChanges(h.viewed, h.head, changes)}
        </p>
        {viewedOp && (
          <p className="small viewed-op">
            <Swatch author={author(viewedOp.clientId)} /> {author(viewedOp.clientId).label}
            {viewedOp.createdAt && <span className="muted"> · {when(viewedOp.createdAt)}</span>}
          </p>
        )}
        {!readOnly && <RestoreButton roomId={roomId} revision={h.viewed} disabled={loading || !!h.error || h.shown !== h.viewed} />}
      </section>

      <section className="panel-section">
        <h2>Changes near here</h2>
        {!nearby || nearby.around !== h.viewed ? (
          <p className="muted small">Loading…</p>
        ) : nearby.error ? (
          <InlineError what="list the changes" error={nearby.error} />
        ) : nearby.ops.length > 0 ? (
          <ol className="nearby" data-testid="nearby-ops">
            {nearby.ops.map((op) => {
              const a = author(op.clientId);
              return (
                <li key={op.revision}>
                  <button className={`nearby-op${op.revision === h.viewed ? ' current' : ''}`} aria-current={op.revision === h.viewed ? 'true' : undefined} onClick={() => scrub(op.revision)}>
                    <Swatch author={a} />
                    <span className="name">{a.label}</span>
                    <span className="muted small">r{op.revision}</span>
                  </button>
                </li>
              );
            })}
          </ol>
        ) : (
          <p className="muted small">{h.viewed === 0 ? 'Revision 0 is the room as it was created.' : 'No changes to list.'}</p>
        )}
      </section>

      <section className="panel-section">
        <h2>Blame</h2>
        <label className="switch">
          <input type="checkbox" data-testid="blame-toggle" checked={h.blame} onChange={() => dispatch(historyActions.blameToggled())} />
          <span>Show who last changed each line</span>
        </label>
        <InlineError what="show the blame" error={h.blameError} />
        {h.blame && blameAuthors.length > 0 && (
          <ul className="people blame-authors" data-testid="blame-authors" aria-label="Authors of this revision">
            {blameAuthors.map(([id, lines]) => {
              const a = author(id);
              return (
                <li className="person" key={id}>
                  <Swatch author={a} />
                  <span className="name">{a.label}</span>
                  <span className="meta">
                    {lines} line{lines === 1 ? '' : 's'}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <Versions roomId={roomId} versions={h.versions} status={h.versionsStatus} error={h.versionsError} viewed={h.viewed} readOnly={readOnly} onJump={scrub} />
    </aside>
  );
}

function describeChanges(viewed: number, head: number, c: ChangeSummary | null): string {
  if (!c) return `Revision ${viewed}`;
  if (!c.changed && !c.added && !c.removed) return viewed === head ? `Revision ${viewed}: the live document` : `Revision ${viewed}: the same text as now`;
  const parts = [];
  if (c.changed) parts.push(`${c.changed} line${c.changed === 1 ? '' : 's'} changed`);
  if (c.added) parts.push(`${c.added} line${c.added === 1 ? '' : 's'} added`);
  if (c.removed) parts.push(`${c.removed} line${c.removed === 1 ? '' : 's'} removed`);
  return `Revision ${viewed}: ${parts.join(', ')} since`;
}

// RevisionInput: the viewed revision as a number to type (Enter or leaving applies it).
function RevisionInput({ value, head, onChange }: { value: number; head: number; onChange(rev: number): void }) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const apply = () => {
    const n = Number(draft);
    if (draft.trim() === '' || !Number.isInteger(n)) return setDraft(String(value));
    onChange(n);
  };
  return (
    <input
      className="input revision-input"
      data-testid="revision-input"
      type="number"
      inputMode="numeric"
      min={0}
      max={head}
      aria-label="Revision number"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={apply}
      onKeyDown={(e) => {
        if (e.key === 'Enter') apply();
      }}
    />
  );
}
