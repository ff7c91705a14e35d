import { useAppSelector } from '../store/store';
import { displayNames } from '../editor/colors';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] ?? '?').slice(0, 2)).toUpperCase();
}

export function Avatar({ name, colorIndex, you }: { name: string; colorIndex: number; you?: boolean }) {
  return (
    <span className={`avatar c${colorIndex}${you ? ' you' : ''}`} title={you ? `${name} (you)` : name}>
      {initials(name)}
    </span>
  );
}

/** The avatars in the top bar. */
export function ParticipantStack() {
  const { byId, order } = useAppSelector((s) => s.participants);
  const me = useAppSelector((s) => s.participants.self);
  const name = useAppSelector((s) => s.ui.displayName);
  const shown = order.slice(0, 4);
  return (
    <div className="avatar-stack" aria-label={`${order.length + 1} people here`}>
      {me && <Avatar name={name} colorIndex={me.colorIndex} you />}
      {shown.map((id) => (
        <Avatar key={id} name={byId[id].name} colorIndex={byId[id].colorIndex} />
      ))}
      {order.length > shown.length && <span className="avatar more">+{order.length - shown.length}</span>}
    </div>
  );
}

/** The list in the side panel: names, colours, where each cursor is. */
export function ParticipantList({
  onRename,
  onReveal,
  following,
  onFollow,
}: {
  onRename(name: string): void;
  /** Scroll to the person's caret; false if it is not known. */
  onReveal(clientId: string): boolean;
  following: string | null;
  onFollow(clientId: string | null): void;
}) {
  const { byId, order, self } = useAppSelector((s) => s.participants);
  const name = useAppSelector((s) => s.ui.displayName);
  const readOnly = useAppSelector((s) => s.room.readOnly);
  const labels = displayNames([...(self ? [{ clientId: self.clientId, name }] : []), ...order.map((id) => byId[id])]);
  return (
    <section className="panel-section">
      <h2>
        People <span className="count">{order.length + 1}</span>
      </h2>
      <ul className="people" data-testid="participants">
        <li className="person">
          <span className={`swatch c${self?.colorIndex ?? 0}`} aria-hidden />
          <input
            className="name-input"
            defaultValue={name}
            aria-label="Your name"
            maxLength={40}
            onKeyDown={(e) => {
              if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
            }}
            onBlur={(e) => {
              const v = e.target.value.trim();
              if (v && v !== name) onRename(v);
              else e.target.value = name;
            }}
          />
          <span className="meta">{readOnly ? 'you · viewer' : 'you'}</span>
        </li>
        {order.map((id) => {
          const p = byId[id];
          return (
            <li key={id} className="person" data-client-id={id}>
              <span className={`swatch c${p.colorIndex}`} aria-hidden />
              <button
                className="name person-reveal"
                data-testid="reveal-person"
                onClick={() => onReveal(id)}
                title={p.line ? `Show ${labels.get(id)}'s cursor (line ${p.line})` : `${labels.get(id)} has no cursor yet`}
              >
                {labels.get(id)}
              </button>
              {p.readOnly && <span className="badge viewer">viewer</span>}
              <span className="meta">{p.line ? `line ${p.line}` : ''}</span>
              <button
                className={`icon-button subtle follow${following === id ? ' on' : ''}`}
                data-testid="follow-person"
                aria-pressed={following === id}
                aria-label={`Follow ${labels.get(id)}`}
                title={following === id ? 'Stop following' : `Follow ${labels.get(id)}: keep their cursor in view`}
                onClick={() => onFollow(following === id ? null : id)}
              >
                <span aria-hidden>◎</span>
              </button>
            </li>
          );
        })}
      </ul>
      {order.length === 0 && <p className="muted small">Nobody else is here yet. Share the link to invite someone.</p>}
    </section>
  );
}
