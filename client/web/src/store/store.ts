import { configureStore } from '@reduxjs/toolkit';
import { useDispatch, useSelector, useStore } from 'react-redux';
import { roomSlice } from './roomSlice';
import { connectionSlice } from './connectionSlice';
import { participantsSlice } from './participantsSlice';
import { uiSlice, type UiState } from './uiSlice';
import { historySlice } from './historySlice';

export function makeStore(ui?: Partial<UiState>) {
  return configureStore({
    reducer: {
      room: roomSlice.reducer,
      connection: connectionSlice.reducer,
      participants: participantsSlice.reducer,
      ui: uiSlice.reducer,
      history: historySlice.reducer,
    },
    preloadedState: ui ? { ui: { ...uiSlice.getInitialState(), ...ui } } : undefined,
  });
}

export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();
export const useAppStore = useStore.withTypes<AppStore>();
