import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { bridgePath } from '../../protocol/index.js';
import { BridgeController } from '../controllers/bridge-controller.js';
import { ClockController } from '../controllers/clock-controller.js';
import { loadLang, msg } from '../i18n/index.js';
import { colorProperties } from '../styles.js';
import { bridgeUrl, connectionProblem, parseRoute, type Route } from '../view-model.js';
import './om-connection-banner.js';

/**
 * The page: reads /phone/{deviceId} or /kiosk/{deviceId} (and ?lang=en), connects to the
 * firmware's bridge, renders the phone or the reception view with the connection banner on top.
 * /fleet (served by the hub's admin API) is the fleet view for IT: no bridge, its own data.
 */
@customElement('om-app')
export class OmApp extends LitElement {
  static override styles = css`
    :host {
      ${colorProperties()}
      display: flex;
      flex-direction: column;
      height: 100%;
      min-height: 0;
      background: var(--om-page-bg);
      color: var(--om-page-fg);
      font-family: system-ui, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
      font-size: 17px;
      line-height: 1.35;
    }
    @media (max-width: 600px) {
      :host {
        font-size: 13px;
      }
    }
    .content {
      flex: 1;
      min-height: 0;
      overflow: auto;
    }
    .message {
      padding: 1.5em;
      font-size: 1.1em;
    }
  `;

  private readonly _route: Route = parseRoute(location.pathname, location.search);
  private readonly _fleet = /^\/fleet\/?$/.test(location.pathname);
  private readonly _clock = new ClockController(this);
  private readonly _bridge: BridgeController | null =
    this._route.mode === 'invalid' ? null : new BridgeController(this, { url: bridgeUrl(location, bridgePath(this._route.deviceId)) });

  override connectedCallback(): void {
    super.connectedCallback();
    // each screen loads only its own view (a bundle chunk): a phone never downloads the reception board
    const load = this._fleet ? import('./om-fleet-view.js') : this._route.mode === 'kiosk' ? import('./om-reception-view.js') : this._route.mode === 'phone' ? import('./om-phone-view.js') : null;
    load?.catch((err: unknown) => console.error('omstil: the view could not be loaded', err));
    // English is a chunk of its own: nothing is shown until the page's language is here
    void loadLang(this._route.lang).then(
      () => {
        this._words = true;
        this.requestUpdate();
        this._title();
      },
      (err: unknown) => console.error('omstil: the words could not be loaded', err),
    );
    this._title();
  }

  private _words = false;

  private _title(): void {
    const m = msg(this._route.lang);
    document.documentElement.lang = this._route.lang;
    document.title = this._fleet ? m.fleet.title : this._route.mode === 'kiosk' ? m.titleKiosk : m.titlePhone;
  }

  override render() {
    if (!this._words) return nothing;
    const route = this._route;
    const m = msg(route.lang);
    const bridge = this._bridge;
    if (this._fleet) return html`<om-fleet-view class="content" language=${route.lang}></om-fleet-view>`;
    if (route.mode === 'invalid' || !bridge) return html`<p class="message" role="alert">${m.badRoute}</p>`;
    const view = bridge.view;
    const now = this._clock.now;
    const problem = connectionProblem({ linkUp: bridge.linkUp, failures: bridge.failures }, view);
    return html`<om-connection-banner ?down=${problem !== null} .asOf=${problem?.asOf ?? null} .now=${now} language=${route.lang}></om-connection-banner>
      <div class="content">
        ${view === null
          ? problem
            ? nothing
            : html`<p class="message" role="status">${m.loading}</p>`
          : route.mode === 'kiosk'
            ? html`<om-reception-view .view=${view} .bridge=${bridge} .now=${now} language=${route.lang}></om-reception-view>`
            : html`<om-phone-view .view=${view} .bridge=${bridge} .now=${now} language=${route.lang}></om-phone-view>`}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-app': OmApp;
  }
}
