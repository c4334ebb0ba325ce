import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Banner } from '../banner-model.js';
import { msg, type Lang } from '../i18n/index.js';

/**
 * Notices at the top of the phone and the reception screen: crisis broadcasts (RT-3) first and
 * largest, in an alert region (read out at once); the own department's closure (PH-3) and
 * expected peak (PH-5) in a polite list. Each with its end. Takes a ready list (banner-model.ts
 * builds it); an empty list shows nothing.
 * data-testid="crisis" (the alert region, always there), "banners" (the list of the others);
 * each data-testid="banner" data-kind="crisis|closure|peak" data-rule data-key data-end;
 * inside: data-testid="banner-title", "banner-text" (lang when not the screen's), "banner-until".
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
    li,
    .crisis > div {
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
    .crisis > div {
      --bg: var(--om-danger-bg);
      --fg: var(--om-danger-fg);
      font-size: 1.15em;
      padding: 0.5em 0.8em;
      border-bottom-width: 3px;
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
    const crisis = this.banners.filter((b) => b.kind === 'crisis');
    const rest = this.banners.filter((b) => b.kind !== 'crisis');
    // both regions stay in the page, so a broadcast or a closure that starts is announced
    return html`<div class="crisis" role="alert" data-testid="crisis">
        ${repeat(
          crisis,
          (b) => b.key,
          (b) => html`<div data-testid="banner" data-kind=${b.kind} data-rule=${b.rule} data-key=${b.key} data-end=${b.end ?? nothing}>${this._body(b)}</div>`,
        )}
      </div>
      <div aria-live="polite">
        ${rest.length === 0
          ? nothing
          : html`<ul data-testid="banners" role="list" aria-label=${msg(this.language).bannersLabel}>
              ${repeat(
                rest,
                (b) => b.key,
                (b) => html`<li data-testid="banner" data-kind=${b.kind} data-rule=${b.rule} data-key=${b.key} data-end=${b.end ?? nothing} role="listitem">${this._body(b)}</li>`,
              )}
            </ul>`}
      </div>`;
  }

  private _body(b: Banner) {
    return html`<strong data-testid="banner-title">${b.title}</strong>
      ${b.until ? html`<span class="until" data-testid="banner-until">${b.until}</span>` : nothing}
      ${b.text ? html`<span data-testid="banner-text" lang=${b.textLang ?? nothing}>${b.text}</span>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-banners': OmBanners;
  }
}
