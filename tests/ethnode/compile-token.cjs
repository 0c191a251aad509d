// Compiles tests/ethnode/Token.sol with solc-js; prints the settings and writes Token.bin.
const fs = require('fs');
const solc = require('solc');
const src = fs.readFileSync(process.argv[2], 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'Token.sol': { content: src } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'shanghai',
              outputSelection: { '*': { '*': ['evm.bytecode.object', 'abi'] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) console.error(e.formattedMessage);
if ((out.errors || []).some(e => e.severity === 'error')) process.exit(1);
const c = out.contracts['Token.sol'].Token;
fs.writeFileSync(process.argv[3], c.evm.bytecode.object + '\n');
console.log(solc.version(), JSON.stringify(input.settings));
