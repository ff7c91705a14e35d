import { useEffect } from 'react';
import { useRoute, Link } from './router';
import { Home } from './pages/Home';
import { RoomPage } from './pages/Room';
import { useAppDispatch, useAppSelector } from './store/store';
import { isDark, uiActions } from './store/uiSlice';

export function App() {
  const route = useRoute();
  const dispatch = useAppDispatch();
  const dark = useAppSelector((s) => isDark(s.ui));

  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => dispatch(uiActions.systemThemeChanged(mq.matches));
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, [dispatch]);

  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);

  switch (route.page) {
    case 'home':
      return <Home />;
    case 'room':
      return <RoomPage key={route.roomId} roomId={route.roomId} />;
    default:
      return (
        <div className="page center">
          <div className="card narrow">
            <h1>Page not found</h1>
            <p className="muted">There is nothing at this address.</p>
            <Link className="button primary" href="/">
              Go home
            </Link>
          </div>
        </div>
      );
  }
}
