import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { App } from './App';
import { makeStore } from './store/store';
import { loadName, loadTheme } from './prefs';
import './styles.css';

const store = makeStore({
  theme: loadTheme(),
  systemDark: window.matchMedia('(prefers-color-scheme: dark)').matches,
  displayName: loadName(),
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider store={store}>
      <App />
    </Provider>
  </StrictMode>,
);
