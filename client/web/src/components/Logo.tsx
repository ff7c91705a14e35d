import { Link } from '../router';

export function Logo() {
  return (
    <Link href="/" className="logo" aria-label="tandem home">
      <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden>
        <rect width="32" height="32" rx="7" fill="var(--accent)" />
        <path d="M9 10h14M16 10v13" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" />
        <circle cx="23" cy="22" r="3" fill="#30a46c" />
      </svg>
      <span>tandem</span>
    </Link>
  );
}
