/**
 * Bundle entry of the device UI (rollup → dist/device-ui/omstil-ui.js, served at /ui/omstil-ui.js).
 * Only the shell: om-app loads the one view its URL asks for (phone, reception or fleet) as its
 * own chunk, so a phone never downloads the reception board or the fleet table.
 */
import './components/om-app.js';

export { OmApp } from './components/om-app.js';
