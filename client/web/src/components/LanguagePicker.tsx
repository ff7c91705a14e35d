import { LANGUAGES } from '../languages';

export function LanguagePicker({ value, disabled, onChange, id }: { value: string; disabled?: boolean; onChange(lang: string): void; id?: string }) {
  const known = LANGUAGES.some((l) => l.id === value);
  return (
    <select id={id} className="select" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-label="Language" data-testid="language-picker">
      {!known && <option value={value}>{value}</option>}
      {LANGUAGES.map((l) => (
        <option key={l.id} value={l.id}>
          {l.label}
        </option>
      ))}
    </select>
  );
}
