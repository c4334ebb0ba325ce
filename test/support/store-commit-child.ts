/**
 * A stand-in for a hub holding the store, for the kill -9 durability test: opens the store named
 * by argv[2] (a postgres:// URL), then commits journal entries one after another and prints
 * `committed <n>` after each `commit` returned (what the hub would acknowledge), until killed.
 */
import { openStore } from '../../broker/store/create-store.js';

const store = openStore({ store: process.argv[2]!, dataDir: '.omstil', sync: 'full' });
let n = 0;
const next = () => {
  n++;
  store.commit([], [], { at: new Date().toISOString(), actor: 'hub', op: 'kill-test', detail: { n } });
  process.stdout.write(`committed ${n}\n`);
  setTimeout(next, 2);
};
next();
