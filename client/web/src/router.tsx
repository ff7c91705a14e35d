// A two-route router over the History API: "/" and "/rooms/{id}".
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route = { page: 'home' } | { page: 'room'; roomId: string } | { page: 'missing' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'home' };
  const m = /^\/rooms\/([^/]+)\/?$/.exec(pathname);
  if (m) return { page: 'room', roomId: decodeURIComponent(m[1]) };
  return { page: 'missing' };
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (to === window.location.pathname) return;
  window.history.pushState(null, '', to);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return parseRoute(path);
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

export function roomPath(id: string): string {
  return `/rooms/${encodeURIComponent(id)}`;
}

/** Accepts a room id or any link to a room; returns the id, or null. */
export function roomIdFromInput(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  const m = /\/rooms\/([^/?#\s]+)/.exec(s);
  if (m) return decodeURIComponent(m[1]);
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return null;
}
