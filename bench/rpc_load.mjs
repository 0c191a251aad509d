// Fills a fresh ganache (tests/ethnode/with-ganache.sh) with BLOCKS blocks of PER_BLOCK
// transactions each, alternating plain ETH transfers and ERC-20 transfers of the committed
// test token, for bench/run-rpc. JSON-RPC only: miner_stop, eth_sendTransaction, evm_mine.
// Usage: node bench/rpc_load.mjs URL BLOCKS PER_BLOCK
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [url, blocksArg, perArg] = process.argv.slice(2);
const blocks = Number(blocksArg), per = Number(perArg);
let id = 1;
async function rpc(method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) });
  const b = await res.json();
  if (b.error) throw new Error(`${method}: ${b.error.message}`);
  return b.result;
}
const here = dirname(fileURLToPath(import.meta.url));
const word = (n) => BigInt(n).toString(16).padStart(64, '0');
const acc = await rpc('eth_accounts');
const funders = acc.slice(0, 3);
const sinks = acc.slice(3);
const bytecode = readFileSync(join(here, '..', 'tests', 'ethnode', 'Token.bin'), 'utf8').trim();
const name = Buffer.from('Bench');
const enc = (b) => word(b.length) + b.toString('hex').padEnd(64, '0');
const args = word(128) + word(192) + word(18) + word(10n ** 30n) + enc(name) + enc(Buffer.from('BEN'));
const h = await rpc('eth_sendTransaction', [{ from: funders[0], data: '0x' + bytecode + args, gas: '0x200000' }]);
const token = (await rpc('eth_getTransactionReceipt', [h])).contractAddress;
await rpc('miner_stop');
for (let b = 0; b < blocks; b++) {
  const sends = [];
  for (let i = 0; i < per; i++) {
    const n = b * per + i;
    const to = sinks[n % sinks.length];
    if (n % 2) {
      sends.push(rpc('eth_sendTransaction', [{ from: funders[0], to: token, gas: '0x20000',
        data: '0xa9059cbb' + to.slice(2).padStart(64, '0') + word(1000 + n) }]));
    } else {
      sends.push(rpc('eth_sendTransaction', [{ from: funders[1 + (n % 2)], to, value: '0x' + (1000 + n).toString(16), gas: '0x5208' }]));
    }
  }
  await Promise.all(sends);
  await rpc('evm_mine');
}
const head = Number(BigInt(await rpc('eth_blockNumber')));
const last = await rpc('eth_getBlockByNumber', ['latest', false]);
console.log(`rpc_load: head ${head}, last block ${last.transactions.length} transactions`);
