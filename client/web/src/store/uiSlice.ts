// Presentation preferences: theme (follows the system unless chosen) and display name.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface UiState {
  theme: ThemeChoice;
  systemDark: boolean;
  displayName: string;
}

export const uiSlice = createSlice({
  name: 'ui',
  initialState: { theme: 'system', systemDark: false, displayName: '' } as UiState,
  reducers: {
    themeChosen(state, action: PayloadAction<ThemeChoice>) {
      state.theme = action.payload;
    },
    systemThemeChanged(state, action: PayloadAction<boolean>) {
      state.systemDark = action.payload;
    },
    displayNameChanged(state, action: PayloadAction<string>) {
      state.displayName = action.payload;
    },
  },
});

export const uiActions = uiSlice.actions;

export function isDark(ui: UiState): boolean {
  return ui.theme === 'dark' || (ui.theme === 'system' && ui.systemDark);
}
