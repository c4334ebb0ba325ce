/** Styles shared by the om-* components. Colours come from theme.ts through CSS custom properties set on om-app. */
import { css, unsafeCSS, type CSSResult } from 'lit';
import { PRESENCE_COLORS, UI_COLORS } from './theme.js';

/** `--om-<name>-fg` / `--om-<name>-bg` for every UI colour pair, set on om-app's :host. */
export function colorProperties(): CSSResult {
  const lines = Object.entries(UI_COLORS).flatMap(([name, pair]) => [`--om-${name}-fg: ${pair.fg};`, `--om-${name}-bg: ${pair.bg};`]);
  for (const [presence, pair] of Object.entries(PRESENCE_COLORS)) {
    lines.push(`--om-presence-${presence}-fg: ${pair.fg};`, `--om-presence-${presence}-bg: ${pair.bg};`);
  }
  return unsafeCSS(lines.join('\n'));
}

export const srOnly = css`
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

export const buttonStyles = css`
  button {
    font: inherit;
    font-weight: 600;
    border: 2px solid transparent;
    border-radius: 0.5em;
    padding: 0.5em 1em;
    cursor: pointer;
    min-height: 44px;
    background: var(--om-primary-bg);
    color: var(--om-primary-fg);
  }
  button:focus-visible {
    outline: 3px solid var(--om-warning-bg);
    outline-offset: 2px;
    box-shadow: 0 0 0 5px var(--om-page-fg);
  }
  button[aria-disabled='true'],
  button:disabled {
    cursor: default;
  }
  button.secondary {
    background: var(--om-card-bg);
    color: var(--om-primary-bg);
    border-color: var(--om-primary-bg);
  }
  button.danger {
    background: var(--om-danger-bg);
    color: var(--om-danger-fg);
  }
  button[data-state='pending'] {
    background: var(--om-primaryPending-bg);
    color: var(--om-primaryPending-fg);
    border-color: transparent;
  }
`;

export const errorStyles = css`
  .error {
    margin: 0.4em 0 0;
    padding: 0.4em 0.6em;
    border-radius: 0.4em;
    background: var(--om-error-bg);
    color: var(--om-error-fg);
    font-weight: 600;
  }
`;
