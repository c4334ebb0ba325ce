/** The Store contract (test/support/store-contract.ts) against SqliteStore: in memory, and a file for the durability cases. */
import { suite } from 'uvu';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { storeContract } from '../../support/store-contract.js';
import { tempStores } from '../../support/temp-stores.js';

const t = suite('broker/store/sqlite-store-contract');
const { file: inTmp } = tempStores(t, 'omstil-sqlite-contract-');
let n = 0;

storeContract(t, {
  open: () => new SqliteStore({ file: ':memory:' }),
  durable: () => {
    const file = inTmp(`durable-${++n}.db`);
    return () => new SqliteStore({ file });
  },
});

t.run();
