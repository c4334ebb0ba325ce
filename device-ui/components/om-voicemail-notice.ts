import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { OwnVoicemail } from '../../protocol/index.js';
import { msg, type Lang } from '../i18n/index.js';
import { voicemailState } from '../voicemail-model.js';

/**
 * AS-5: the own mailbox where the PBX reports voicemail: "Telefonsvarer: 2 ubeaflyttede
 * beskeder", and when the hub has flagged it (unheard for more than a day) a warning "Ikke
 * aflyttet i over et døgn (siden tirsdag kl. 10.12)". Nothing when nothing is unheard.
 * data-testid="voicemail" (data-unheard, data-flagged, data-since); "voicemail-count";
 * "voicemail-flag".
 */
@customElement('om-voicemail-notice')
export class OmVoicemailNotice extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    section {
      border-radius: 0.5em;
      padding: 0.45em 0.7em;
      background: var(--om-notice-bg);
      color: var(--om-notice-fg);
      border-left: 0.35em solid var(--om-notice-fg);
    }
    section[data-flagged='true'] {
      background: var(--om-error-bg);
      color: var(--om-error-fg);
      border-left-color: var(--om-error-fg);
    }
    .count {
      font-weight: 600;
    }
    .flag {
      display: block;
      font-weight: 600;
    }
    .hint {
      display: block;
      font-size: 0.9em;
    }
  `;

  /** the own topic's `voicemail` (absent: the PBX reports none) */
  @property({ attribute: false }) voicemail: OwnVoicemail | undefined = undefined;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  override render() {
    const state = voicemailState({ voicemail: this.voicemail }, this.now, this.language);
    if (!state) return nothing;
    const m = msg(this.language);
    const since = state.since ? m.voicemailSince(state.since) : null;
    return html`<section
      data-testid="voicemail"
      data-unheard=${state.unheard}
      data-flagged=${state.flagged ? 'true' : 'false'}
      data-since=${state.sinceIso ?? ''}
      role="status"
    >
      <span class="count" data-testid="voicemail-count">${m.voicemailUnheard(state.unheard)}</span>
      ${state.flagged
        ? html`<span class="flag" data-testid="voicemail-flag">${m.voicemailFlag(since)}</span>
            <span class="hint">${m.voicemailHint}</span>`
        : nothing}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-voicemail-notice': OmVoicemailNotice;
  }
}
