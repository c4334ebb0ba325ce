import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { DeviceView } from '../../protocol/index.js';
import { msg, type Lang } from '../i18n/index.js';
import { boardDepts } from '../reception-model.js';
import './om-dept-card.js';

/**
 * PH-1..PH-5 at a glance: every department's card (om-dept-card) in a grid, by name. The board
 * scrolls by itself and can be scrolled from the keyboard (it takes focus).
 * data-testid="dept-board"; each card data-testid="dept-card" data-dept.
 */
@customElement('om-dept-board')
export class OmDeptBoard extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 0;
    }
    section {
      display: flex;
      flex-direction: column;
      min-height: 0;
      height: 100%;
      gap: 0.5em;
    }
    h2 {
      margin: 0;
      font-size: 1.2em;
    }
    .grid {
      flex: 1;
      min-height: 0;
      overflow-y: auto;
      /* contains the visually hidden labels, which would otherwise stretch the page */
      position: relative;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(17em, 1fr));
      gap: 0.7em;
      align-content: start;
      padding: 0.15em 0.3em 0.6em 0.1em;
      font-size: 0.9em;
    }
    .grid:focus-visible {
      outline: 3px solid var(--om-primary-bg);
      outline-offset: 2px;
    }
  `;

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) now: Date = new Date();
  @property() language: Lang = 'da';

  override render() {
    const view = this.view;
    if (!view) return nothing;
    const m = msg(this.language).kiosk;
    return html`<section aria-labelledby="board-h" data-testid="dept-board">
      <h2 id="board-h">${m.boardHeading}</h2>
      <div class="grid" role="list" tabindex="0" aria-labelledby="board-h">
        ${repeat(
          boardDepts(view),
          (d) => d.deptId,
          (d) => html`<om-dept-card role="listitem" .dept=${d} .now=${this.now} language=${this.language} level="3"></om-dept-card>`,
        )}
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-dept-board': OmDeptBoard;
  }
}
