import { useAppSelector } from '../store/store';

export function ConnectionIndicator({ onReconnect }: { onReconnect?: () => void }) {
  const { status, pendingEdits } = useAppSelector((s) => s.connection);
  let label: string;
  let tone: 'ok' | 'busy' | 'warn' | 'bad';
  switch (status) {
    case 'connected':
      label = pendingEdits ? 'Saving…' : 'Connected';
      tone = pendingEdits ? 'busy' : 'ok';
      break;
    case 'reconnecting':
      label = pendingEdits ? 'Reconnecting — edits pending' : 'Reconnecting…';
      tone = 'warn';
      break;
    case 'offline':
      label = pendingEdits ? 'Offline — edits pending' : 'Offline';
      tone = 'bad';
      break;
    default:
      label = 'Connecting…';
      tone = 'busy';
  }
  const clickable = (status === 'offline' || status === 'reconnecting') && onReconnect;
  return (
    <>
      <button
      className={`connection tone-${tone}`}
      data-testid="connection"
      data-status={status}
      data-pending={pendingEdits}
      onClick={clickable ? onReconnect : undefined}
      title={clickable ? `${label}: click to reconnect now` : label}
      aria-label={label}
      disabled={!clickable}
    >
      <span className="dot" aria-hidden />
      <span className="label">{label}</span>
      </button>
      {/* Announced to screen readers when the connection changes. */}
      <span className="sr-only" role="status" aria-live="polite" data-testid="connection-status">
        {label}
      </span>
    </>
  );
}
