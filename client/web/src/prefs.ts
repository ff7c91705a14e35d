// Things remembered in localStorage: display name, theme, recent rooms.
import type { ThemeChoice } from './store/uiSlice';

const NAME_KEY = 'tandem.name';
const THEME_KEY = 'tandem.theme';
const RECENT_KEY = 'tandem.recent';
const RECENT_MAX = 12;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage full or disabled: not worth failing for */
  }
}

const ADJECTIVES = ['Brisk', 'Calm', 'Clever', 'Eager', 'Gentle', 'Jolly', 'Keen', 'Lucky', 'Nimble', 'Quiet', 'Swift', 'Witty'];
const ANIMALS = ['Otter', 'Fox', 'Heron', 'Lynx', 'Panda', 'Robin', 'Seal', 'Tiger', 'Wombat', 'Yak', 'Koala', 'Falcon'];

export function loadName(): string {
  const saved = read(NAME_KEY)?.trim();
  if (saved) return saved;
  const pick = <T,>(a: T[]) => a[Math.floor(Math.random() * a.length)];
  const name = `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
  write(NAME_KEY, name);
  return name;
}

export function saveName(name: string): void {
  write(NAME_KEY, name.trim());
}

export function loadTheme(): ThemeChoice {
  const t = read(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function saveTheme(t: ThemeChoice): void {
  write(THEME_KEY, t);
}

export interface RecentRoom {
  id: string;
  name: string;
  language: string;
  readOnly: boolean;
  visitedAt: number;
}

export function loadRecent(): RecentRoom[] {
  try {
    const list = JSON.parse(read(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((r) => r && typeof r.id === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberRoom(room: Omit<RecentRoom, 'visitedAt'>): void {
  const rest = loadRecent().filter((r) => r.id !== room.id);
  write(RECENT_KEY, JSON.stringify([{ ...room, visitedAt: Date.now() }, ...rest].slice(0, RECENT_MAX)));
}

export function forgetRoom(id: string): void {
  write(RECENT_KEY, JSON.stringify(loadRecent().filter((r) => r.id !== id)));
}
