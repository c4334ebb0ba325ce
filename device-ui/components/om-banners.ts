import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Banner } from '../banner-model.js';
import { msg, type Lang } from '../i18n/index.js';

/**
 * Notices at the top of the phone: a crisis broadcast (RT-3), the own department's closure
 * (PH-3) and expected peak (PH-5), each with its end. Takes a ready list (banner-model.ts
 * builds it); an empty list shows nothing.
 * data-testid="banners" (the list); each data-testid="banner" data-kind="crisis|closure|peak"
 * data-rule data-key data-end; inside: data-testid="banner-title", "banner-text", "banner-until".
 */
@customElement('om-banners')
export class OmBanners extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    li {
      padding: 0.35em 0.8em;
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.1em 0.6em;
      border-bottom: 2px solid var(--fg);
      background: var(--bg);
      color: var(--fg);
      font-size: 0.92em;
    }
    li[data-kind='crisis'] {
      --bg: var(--om-danger-bg);
      --fg: var(--om-danger-fg);
    }
    li[data-kind='closure'] {
      --bg: var(--om-warning-bg);
      --fg: var(--om-warning-fg);
    }
    li[data-kind='peak'] {
      --bg: var(--om-notice-bg);
      --fg: var(--om-notice-fg);
    }
    strong {
      font-size: 1.05em;
    }
    .until {
      font-weight: 600;
    }
  `;

  @property({ attribute: false }) banners: readonly Banner[] = [];
  @property() language: Lang = 'da';

  override render() {
    // the live region stays in the page, so a closure that starts is announced
    return html`<div aria-live="polite">${this.banners.length === 0 ? nothing : this._list()}</div>`;
  }

  private _list() {
    return html`<ul data-testid="banners" role="list" aria-label=${msg(this.language).bannersLabel}>
      ${repeat(
        this.banners,
        (b) => b.key,
        (b) => html`<li data-testid="banner" data-kind=${b.kind} data-rule=${b.rule} data-key=${b.key} data-end=${b.end ?? nothing} role="listitem">
          <strong data-testid="banner-title">${b.title}</strong>
          ${b.until ? html`<span class="until" data-testid="banner-until">${b.until}</span>` : nothing}
          ${b.text ? html`<span data-testid="banner-text">${b.text}</span>` : nothing}
        </li>`,
      )}
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-banners': OmBanners;
  }
}
