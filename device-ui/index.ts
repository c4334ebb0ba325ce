/** Bundle entry of the device UI (rollup → dist/device-ui/omstil-ui.js, served at /ui/omstil-ui.js). */
import './components/om-presence-badge.js';
import './components/om-divert-button.js';
import './components/om-colleague-list.js';
import './components/om-incoming-notice.js';
import './components/om-connection-banner.js';
import './components/om-phone-view.js';
import './components/om-reception-view.js';
import './components/om-app.js';

export { OmApp } from './components/om-app.js';
