// The simulated theft on a local node, driven over JSON-RPC only (plain Node, fetch).
//
// Usage: node theft.mjs URL OUT_DIR
// Needs the accounts that with-ganache.sh gives ganache (unlocked, in this order):
//   0 victim (100 ETH), 1 clean1 (100 ETH), 2 clean2 (100 ETH), 3 thief, 4 split_a,
//   5 split_b, 6 split_c, 7 mid_a, 8 mid_b, 9 exchange_1, 10 exchange_2, 11 sink
//   (all but the first three start with nothing).
// Writes OUT_DIR/labels.csv (exchange_1 and exchange_2 labelled `exchange`) and
// OUT_DIR/scenario.json: the accounts and roles, the token, every transaction with what it
// does, the two theft transactions and the labels path.
//
// The story (ETH; every transaction pays its own gas from its sender's ETH):
//   clean1 -> mid_a 3 ETH                 mid_a holds clean ETH before the stolen ETH
//   victim -> thief 40 ETH                THE ETH THEFT
//   thief -> split_a 15, split_b 12, split_c 10 ETH   (the rest of thief's ETH pays gas and sits)
//   split_a -> mid_a 14 ETH               tainted arrives at mid_a
//   clean2 -> mid_a 5 ETH                 newer clean ETH at mid_a
//   mid_a -> exchange_1 10 ETH            haircut 10*14/22, FIFO 7, LIFO 5, TIHO 10, poison 10
//   mid_a -> sink 6 ETH
//   clean1 -> mid_b 4 ETH; split_b -> mid_b 11 ETH; mid_b -> exchange_2 8 ETH
//   split_c keeps its 10 ETH (unspent)
// The token (TKN, 18 decimals, 1,000,000 minted to the victim, who deploys it):
//   victim -> clean1 50,000               clean tokens elsewhere
//   victim approves thief for 300,000     (the phishing signature)
//   thief: transferFrom(victim, thief, 300,000)   THE TOKEN THEFT
//   thief -> split_a 120,000; thief -> split_b 100,000  (80,000 sit at thief)
//   clean1 -> mid_a 20,000 (clean, older); split_a -> mid_a 120,000; clean1 -> mid_a 30,000
//   mid_a -> exchange_1 100,000; mid_a -> sink 50,000
//   split_b -> exchange_2 60,000 (40,000 sit at split_b)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error('usage: node theft.mjs URL OUT_DIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));

let nextId = 1;
async function rpc(method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(30000),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.code}: ${body.error.message}`);
  return body.result;
}

const ETH = 10n ** 18n;
const TKN = 10n ** 18n;
const hex = (n) => '0x' + n.toString(16);
const word = (n) => n.toString(16).padStart(64, '0');
const addrWord = (a) => a.slice(2).toLowerCase().padStart(64, '0');

const ROLES = ['victim', 'clean1', 'clean2', 'thief', 'split_a', 'split_b', 'split_c',
  'mid_a', 'mid_b', 'exchange_1', 'exchange_2', 'sink'];
const accounts = await rpc('eth_accounts');
if (accounts.length < ROLES.length) throw new Error(`ganache has ${accounts.length} accounts`);
const A = {};
ROLES.forEach((r, i) => { A[r] = accounts[i].toLowerCase(); });
const want = { victim: 100n * ETH, clean1: 100n * ETH, clean2: 100n * ETH };
for (const r of ROLES) {
  const bal = BigInt(await rpc('eth_getBalance', [A[r], 'latest']));
  if (bal !== (want[r] ?? 0n)) throw new Error(`${r} starts with ${bal} wei, not ${want[r] ?? 0n}`);
}

const txs = [];
async function send(what, tx) {
  const hash = await rpc('eth_sendTransaction', [tx]);
  const rc = await rpc('eth_getTransactionReceipt', [hash]);
  if (!rc) throw new Error(`${what}: no receipt (is ganache mining instantly?)`);
  if (rc.status !== '0x1') throw new Error(`${what}: failed on chain (${hash})`);
  txs.push({ what, hash, block: Number(BigInt(rc.blockNumber)), from: tx.from, to: tx.to ?? null });
  return rc;
}
const pay = (from, to, eth) => send(`${from} -> ${to} ${eth} ETH`,
  { from: A[from], to: A[to], value: hex(BigInt(eth) * ETH), gas: hex(21000n) });

// ---- the token's deployment: constructor("Test Token", "TKN", 18, 1e6 * 1e18) ----
function abiString(s) {
  const b = Buffer.from(s, 'utf8');
  return word(BigInt(b.length)) + b.toString('hex').padEnd(Math.ceil(b.length / 32) * 64, '0');
}
const bytecode = readFileSync(join(here, 'Token.bin'), 'utf8').trim();
const nameEnc = abiString('Test Token');
const symEnc = abiString('TKN');
const ctorArgs = word(128n) + word(128n + BigInt(nameEnc.length / 2)) + word(18n) +
  word(1000000n * TKN) + nameEnc + symEnc;

// ---- the story ----
await pay('clean1', 'mid_a', 3);
const deploy = await send('victim deploys TKN (1,000,000 minted to victim)',
  { from: A.victim, data: '0x' + bytecode + ctorArgs, gas: hex(2000000n) });
const token = deploy.contractAddress.toLowerCase();
const call = (from, data, what) => send(what, { from: A[from], to: token, data, gas: hex(120000n) });
const transfer = (from, to, n) => call(from, '0xa9059cbb' + addrWord(A[to]) + word(BigInt(n) * TKN),
  `${from} -> ${to} ${n} TKN`);

await transfer('victim', 'clean1', 50000);
const ethTheft = await pay('victim', 'thief', 40);
await pay('thief', 'split_a', 15);
await pay('thief', 'split_b', 12);
await pay('thief', 'split_c', 10);
await call('victim', '0x095ea7b3' + addrWord(A.thief) + word(300000n * TKN), 'victim approves thief 300000 TKN');
const tokenTheft = await call('thief', '0x23b872dd' + addrWord(A.victim) + addrWord(A.thief) +
  word(300000n * TKN), 'thief transferFrom victim -> thief 300000 TKN');
await transfer('thief', 'split_a', 120000);
await transfer('thief', 'split_b', 100000);
await pay('split_a', 'mid_a', 14);
await transfer('clean1', 'mid_a', 20000);
await pay('clean2', 'mid_a', 5);
await transfer('split_a', 'mid_a', 120000);
await transfer('clean1', 'mid_a', 30000);
await pay('mid_a', 'exchange_1', 10);
await transfer('mid_a', 'exchange_1', 100000);
await pay('mid_a', 'sink', 6);
await transfer('mid_a', 'sink', 50000);
await pay('clean1', 'mid_b', 4);
await pay('split_b', 'mid_b', 11);
await pay('mid_b', 'exchange_2', 8);
await transfer('split_b', 'exchange_2', 60000);

// ---- the token's own answers, checked ----
const sym = await rpc('eth_call', [{ to: token, data: '0x95d89b41' }, 'latest']);
const dec = await rpc('eth_call', [{ to: token, data: '0x313ce567' }, 'latest']);
if (!sym.includes(Buffer.from('TKN').toString('hex')) || BigInt(dec) !== 18n)
  throw new Error(`token metadata: symbol ${sym}, decimals ${dec}`);

mkdirSync(outDir, { recursive: true });
const labels = resolve(outDir, 'labels.csv');
writeFileSync(labels, 'address,label,category,source\n' +
  `${A.exchange_1},Exchange One deposit,exchange,chaintrail ethnode test\n` +
  `${A.exchange_2},Exchange Two deposit,exchange,chaintrail ethnode test\n`);
const head = Number(BigInt(await rpc('eth_blockNumber')));
const scenario = {
  rpc: url,
  chain_id: Number(BigInt(await rpc('eth_chainId'))),
  head,
  accounts: A,
  token: { address: token, symbol: 'TKN', decimals: 18, deploy_tx: deploy.transactionHash },
  theft: { eth: ethTheft.transactionHash, token: tokenTheft.transactionHash },
  labels_csv: labels,
  txs,
};
writeFileSync(resolve(outDir, 'scenario.json'), JSON.stringify(scenario, null, 2) + '\n');
console.log(`theft.mjs: ${txs.length} transactions in blocks 1..${head}; ETH theft ${ethTheft.transactionHash}, token theft ${tokenTheft.transactionHash}`);
