import { useAppDispatch, useAppSelector } from '../store/store';
import { uiActions, isDark, type ThemeChoice } from '../store/uiSlice';
import { saveTheme } from '../prefs';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function ThemeToggle() {
  const dispatch = useAppDispatch();
  const ui = useAppSelector((s) => s.ui);
  const choose = () => {
    const next = NEXT[ui.theme];
    saveTheme(next);
    dispatch(uiActions.themeChosen(next));
  };
  const icon = ui.theme === 'system' ? '◐' : isDark(ui) ? '☾' : '☀';
  return (
    <button className="icon-button" onClick={choose} title={`${LABEL[ui.theme]} (click to change)`} aria-label={LABEL[ui.theme]} data-testid="theme-toggle">
      <span aria-hidden>{icon}</span>
    </button>
  );
}
