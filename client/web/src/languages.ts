// The languages a room can have: the server's autocomplete languages.
// `monaco` is the Monaco language id used for highlighting.

export interface Language {
  id: string;
  label: string;
  monaco: string;
  /** The file name extension of a download. */
  extension: string;
}

export const LANGUAGES: Language[] = [
  { id: 'plaintext', label: 'Plain text', monaco: 'plaintext', extension: 'txt' },
  { id: 'c', label: 'C', monaco: 'c', extension: 'c' },
  { id: 'cpp', label: 'C++', monaco: 'cpp', extension: 'cpp' },
  { id: 'go', label: 'Go', monaco: 'go', extension: 'go' },
  { id: 'java', label: 'Java', monaco: 'java', extension: 'java' },
  { id: 'javascript', label: 'JavaScript', monaco: 'javascript', extension: 'js' },
  { id: 'python', label: 'Python', monaco: 'python', extension: 'py' },
  { id: 'rust', label: 'Rust', monaco: 'rust', extension: 'rs' },
  { id: 'sql', label: 'SQL', monaco: 'sql', extension: 'sql' },
  { id: 'typescript', label: 'TypeScript', monaco: 'typescript', extension: 'ts' },
];

const byId = new Map(LANGUAGES.map((l) => [l.id, l]));

export function languageLabel(id: string): string {
  return byId.get(id)?.label ?? id;
}

/** Monaco's id for a room language; anything unknown is plain text. */
export function monacoLanguage(id: string): string {
  return byId.get(id)?.monaco ?? 'plaintext';
}

/** The file name for downloading a room's document: its name (or "untitled") and the language's extension. */
export function downloadName(roomName: string, language: string): string {
  const base = roomName.trim().replace(/[\\/:*?"<>|\x00-\x1f]+/g, '-').slice(0, 100) || 'untitled';
  return `${base}.${byId.get(language)?.extension ?? 'txt'}`;
}
