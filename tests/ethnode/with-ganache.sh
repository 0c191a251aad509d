#!/usr/bin/env bash
# Usage: with-ganache.sh NODE_DIR CMD [ARGS...]
#
# Starts a fresh ganache (installed under NODE_DIR by `npm ci`, see install.sh) on
# 127.0.0.1 at a free port, with fixed accounts, chain id 1337, a fixed genesis time,
# 12 s between block timestamps and instant mining (one block per transaction), waits
# until it answers eth_chainId, then runs CMD with CT_ETH_RPC=http://127.0.0.1:PORT in its
# environment. The node is always stopped when this script exits, whether CMD passed,
# failed or the script was interrupted. Exits with CMD's exit code.
set -euo pipefail

nodedir=$1
shift
cli="$nodedir/node_modules/ganache/dist/node/cli.js"
if [ ! -f "$cli" ]; then
    echo "with-ganache: no ganache under $nodedir (run tests/ethnode/install.sh $nodedir)" >&2
    exit 2
fi

# A free port: bind port 0 and read what the kernel picked. Another process could take it
# before ganache binds it; then ganache fails to start and we say so below.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/ganache.XXXXXX")

# Twelve accounts with fixed keys (SHA-256 of "chaintrail ethnode account N"), in the order
# of theft.mjs's roles: the first three hold 100 ETH at genesis, the others nothing, so that
# every wei the thief's side holds arrives by a transaction the test ingests.
accounts=()
for i in $(seq 0 11); do
    key=$(printf 'chaintrail ethnode account %d' "$i" | sha256sum | cut -c1-64)
    bal=0
    [ "$i" -lt 3 ] && bal=100000000000000000000
    accounts+=(--wallet.accounts "0x$key,$bal")
done

node "$cli" \
    --server.host 127.0.0.1 --server.port "$port" \
    "${accounts[@]}" \
    --chain.chainId 1337 --chain.hardfork shanghai \
    --chain.time 2024-03-01T00:00:00Z --miner.timestampIncrement 12 \
    --miner.blockTime 0 --logging.quiet >"$log" 2>&1 &
pid=$!

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop EXIT
trap 'exit 130' INT TERM

url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "with-ganache: ganache exited before answering:" >&2
        cat "$log" >&2
        exit 1
    fi
    if curl -s -m 1 -H 'Content-Type: application/json' \
        -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$url" 2>/dev/null |
        grep -q '"result":"0x539"'; then
        rc=0
        CT_ETH_RPC=$url "$@" || rc=$?
        exit "$rc"
    fi
    sleep 0.2
done
echo "with-ganache: ganache did not answer at $url within 30 s:" >&2
cat "$log" >&2
exit 1
