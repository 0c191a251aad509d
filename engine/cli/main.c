/* chaintrail's main: global options, then dispatch through the command table (git style:
 * one cmd_<name>.c per command). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_commands[] = {
    {"decode", cmd_decode, "decode blocks and print their transactions (no database)",
     "usage: chaintrail decode bitcoin [--network N] [--format json|text] [--tx] [--scripts]\n"
     "                                 [--wtxid] [--quiet] PATH...\n"
     "\n"
     "Decodes Bitcoin blocks and prints one line per transaction (JSON), or a readable\n"
     "listing (--format text). No database is read or written.\n"
     "\n"
     "PATH is a Bitcoin Core blocks/ directory (blk*.dat in order, xor.dat honoured), a blk\n"
     "file, a raw block, a file of hex, or - for standard input. Several PATHs are read as\n"
     "one run, in the order given.\n"
     "\n"
     "  --network N     mainnet (default), testnet, testnet4, signet, regtest\n"
     "  --format F      json (default): one JSON object per transaction; text: a listing\n"
     "  --tx            each PATH is one raw transaction (binary or hex), not blocks\n"
     "  --scripts       also print scriptSig, witness and scriptPubKey hex\n"
     "  --wtxid         also compute and print each transaction's wtxid\n"
     "  --xor-plain     the blk files are not obfuscated: a non-zero xor.dat is an error\n"
     "  --quiet         no summary line on stderr\n"
     "\n"
     "Exit status: 0 all input decoded; 3 some input was rejected, truncated or of another\n"
     "network (each reported on stderr with file and offset); 5 a path could not be read.\n"
     "\n"
     "usage: chaintrail decode ethereum [--chain-id N] [--quiet] PATH...\n"
     "\n"
     "Decodes raw RLP blocks and raw signed transactions (binary, or hex text) and prints\n"
     "one JSON line per transaction with its sender recovered from the signature.\n"
     "  --chain-id N    the chain the transactions must belong to (default 1, mainnet;\n"
     "                  0 accepts any)\n"
     "\n"
     "See docs/decode.md.\n"},
    {"ingest", cmd_ingest, "read blocks into the graph database (resumable, idempotent)",
     "usage: chaintrail [--db PATH] ingest bitcoin [--network N] [--xor-plain] [--cache-mb N]\n"
     "                                   [--row-cache-mb N] [--group-txs N]\n"
     "                                   [--start-height H] [--no-settle] [--no-clusters]\n"
     "                                   [--quiet] PATH...\n"
     "\n"
     "Reads Bitcoin blocks (a Core blocks/ directory, blk files, raw or hex blocks) into the\n"
     "database (--db, default $CHAINTRAIL_DB, else ./chaintrail.db; created if missing).\n"
     "Consecutive blocks are committed in groups, with their undo records and the resume\n"
     "markers, in one synchronous batch: an interrupted run continues where it stopped\n"
     "(at the last group committed), a run over the same files adds nothing, a grown\n"
     "directory adds only the new blocks. The chain with the most work wins;\n"
     "blocks out of order wait for their parent; a reorg rolls back and applies the branch.\n"
     "\n"
     "  --network N    mainnet (default), testnet, testnet4, signet, regtest; must match the\n"
     "                 database's network\n"
     "  --xor-plain    the blk files are not obfuscated (a non-zero xor.dat is an error)\n"
     "  --cache-mb N   LevelDB block cache in MiB (default 64)\n"
     "  --row-cache-mb N  memory for the cache of recent rows in MiB (default 256)\n"
     "  --group-txs N  commit a group once it holds N transactions (default 20000;\n"
     "                 1: every block alone); also at 32 MiB of rows or after 1 s\n"
     "  --start-height H  start mid-chain: with an empty database, the first block whose\n"
     "                 parent is unknown is the root of the chain at height H; inputs\n"
     "                 spending older outputs are stored as \"prevout unknown\"\n"
     "  --no-settle    do not wait for LevelDB's pending compactions at the end (see below)\n"
     "  --no-clusters  a new database does not cluster addresses (by default it does, block\n"
     "                 by block: docs/clustering.md); a database keeps what it has\n"
     "  --quiet        no progress and no summary on stderr\n"
     "\n"
     "After a run that stored blocks, the ingest settles the database: it waits until\n"
     "LevelDB has no compaction due and, after a run that wrote most of the database,\n"
     "compacts it into one level, so that the commands that follow do not each redo that\n"
     "work (\"settling the database\" on the progress line; the summary says how long).\n"
     "--no-settle skips that, e.g. when another ingest follows at once (let the last one\n"
     "settle) or the database is a scratch copy; the next process to open it does the work.\n"
     "Progress goes to stderr when it is a terminal; a summary line at the end. SIGINT or\n"
     "SIGTERM stop cleanly after the current block, committing the pending group (exit\n"
     "130); during settling they stop it at once, or at the end of the piece of compaction\n"
     "under way (exit 130; nothing is lost).\n"
     "Exit status: 0 done; 3 some blocks were rejected or junk was skipped (each\n"
     "reported); 5 I/O error (disk full: nothing committed is lost, run again after\n"
     "freeing space); 6 database locked.\n"
     "\n"
     "usage: chaintrail [--db PATH] ingest ethereum --json FILE... [--from N] [--to M]\n"
     "                                   [--chain-id N] [--no-settle] [--quiet]\n"
     "       chaintrail [--db PATH] ingest ethereum --etl DIR --trust-senders [--from N] ...\n"
     "       chaintrail [--db PATH] ingest ethereum --rpc URL [--confirmations N | --finalized]\n"
     "                                   [--batch N] [--retries N] [--from N] [--to M]\n"
     "                                   [--chain-id N]\n"
     "\n"
     "Reads Ethereum blocks: saved JSON-RPC responses (blocks with full transactions, their\n"
     "receipts, optionally callTracer or trace_block results, eth_call answers of symbol()\n"
     "and decimals()), or an ethereum-etl export in JSON lines or CSV, traces included (no\n"
     "signatures: senders taken as exported, hence --trust-senders). DIR holds blocks,\n"
     "transactions and logs (.json, else .csv); receipts (export_all layout: joined by hash\n"
     "where the transactions lack receipt_* fields), token_transfers (the ERC-20 logs when\n"
     "there is no logs file, else checked against them), traces and tokens are optional\n"
     "(docs/ethereum-etl.md). Every sender is\n"
     "recovered from its signature and must equal the node's from; every block hash is\n"
     "recomputed from its header. One batch per block with undo and resume marker; a block\n"
     "on another parent rolls back to the fork.\n"
     "  --from N, --to M  first height (empty database), last height\n"
     "  --chain-id N      the chain of the transactions (default 1, mainnet)\n"
     "  --no-settle       do not wait for LevelDB's pending compactions at the end\n"
     "                    (as for bitcoin above)\n"
     "With --rpc, reads a node over JSON-RPC, N blocks per batch request (--batch, default 10), up "
     "to its\n"
     "head minus --confirmations (default 64) or its finalized block; --chain-id (default 1)\n"
     "must equal the node's eth_chainId. Failed requests are retried (--retries, default 5)\n"
     "with waits doubling from 0.5 s to 8 s. A node that cannot be reached after them is\n"
     "exit 3 with \"cannot reach the node at URL: ...\".\n"
     "Exit status: 0 done; 2 usage; 3 bad input or node error (field, block and tx named); 130 "
     "interrupted.\n"
     "See docs/ingest.md.\n"},
    {"labels", cmd_labels, "import or remove address labels; show an address's labels; stats",
     "usage: chaintrail [--db PATH] labels import [--format F] [--source S] [--category C]\n"
     "                                           [--asset A] [--replace] [--quiet] FILE...\n"
     "       chaintrail [--db PATH] labels show ADDRESS [--format text|json]\n"
     "                                           [--min-confidence N]\n"
     "       chaintrail [--db PATH] labels stats [--format text|json]\n"
     "       chaintrail [--db PATH] labels rm --source S\n"
     "\n"
     "import  reads label sets into the database (created if missing): CSV with the header\n"
     "        address,label,category[,source][,confidence][,asset][,reference], Etherscan\n"
     "        and Forta CSV exports, JSON (Etherscan's combined export, an array of label\n"
     "        objects, an OFAC array), GraphSense TagPacks (YAML), OFAC SDN lists (one\n"
     "        address per line, asset from sanctioned_addresses_<ASSET>.txt). Importing the\n"
     "        same file again changes nothing. A summary per file goes to stderr, with each\n"
     "        rejected row (FILE:LINE: reason), the first 10 per file. Rows of a Bitcoin\n"
     "        list whose address is another chain's (OFAC's TRON address) are skipped,\n"
     "        reported and counted, and are no error.\n"
     "show    every label of ADDRESS (by source, then text) and the category used for\n"
     "        attribution (sanctioned > mixer > bridge > exchange > gambling > darknet >\n"
     "        ransomware > scam > hack > blocked > defi > miner > service > other)\n"
     "stats   labels, addresses, sources, counts per category and per source, and the\n"
     "        digest of the label set\n"
     "rm      removes every label of source S (exit 8 when it has none)\n"
     "\n"
     "  --format F          import: auto (default), csv, json, tagpack, ofac;\n"
     "                      show, stats: text (default) or json\n"
     "  --source S          the source of every row (default: per format, see the docs)\n"
     "  --category C        the category of every row: other, exchange, mixer, bridge,\n"
     "                      gambling, sanctioned, darknet, ransomware, scam, hack, blocked,\n"
     "                      defi, miner, service\n"
     "  --asset A           the asset of every row (BTC, ETH, TRX, ...)\n"
     "  --replace           import: each FILE is the whole of its sources' labels: the\n"
     "                      labels of those sources it no longer holds are removed\n"
     "                      (a FILE that gives no label removes nothing: exit 3)\n"
     "  --quiet             no summary per file\n"
     "  --min-confidence N  show: attribution only from labels of confidence >= N\n"
     "\n"
     "Exit status: 0 all rows imported; 3 some rows or files were rejected (each reported);\n"
     "2 usage, or a file whose format or asset cannot be told; 5 a file could not be read\n"
     "(the others are still imported), or no database at PATH (show, stats, rm); 4 corrupt\n"
     "database; 6 locked; 8 show: no label for ADDRESS; rm: no label of S.\n"
     "See docs/labels.md.\n"},
    {"report", cmd_report, "the case file: provenance, totals that add up, services, dates",
     "usage: chaintrail [--db PATH] report [--case NAME | --year Y]\n"
     "                                     [--format text|json|csv|html [-o PATH [--force]]]\n"
     "\n"
     "Traces each stored case (chaintrail case add; Bitcoin and Ethereum) with all five models\n"
     "and the default stops, and prints the case file: the provenance (version, database tip,\n"
     "label, price and clustering digests, parameters), each model in plain words, the value\n"
     "stolen and where it went per category (cashed out, unspent, hop limit, dust, fees,\n"
     "budget: they add up to the value stolen under every model but poison), the laundered\n"
     "range, each service reached with its amounts, deposit addresses, first and last dates\n"
     "and transactions, with USD at the date of each flow ('no price' where there is none),\n"
     "and a yearly table with the total over the cases. --case keeps one case, --year the\n"
     "cases whose theft date falls in Y. A case whose sources are not in the database is\n"
     "listed as not traced. --format html writes the same report as one self-contained page\n"
     "with each case's flow picture, to standard output or with -o PATH through the safe\n"
     "file writer (an existing file only with --force). Exit status: 0; 2 usage; 8 no such\n"
     "case; 5 the file could not be written; 4/5/6/7 database problems. See docs/report.md.\n"},
    {"rollback", cmd_rollback, "roll the main chain back to a height",
     "usage: chaintrail [--db PATH] rollback --to HEIGHT [--chain bitcoin|ethereum]\n"
     "\n"
     "Disconnects the main-chain blocks above HEIGHT through their undo records, one\n"
     "synchronous batch per block. The blocks stay known (as a side branch); the next ingest\n"
     "will not re-apply them unless a longer chain through them arrives. With --chain\n"
     "ethereum, the Ethereum chain is rolled back (its blocks are forgotten; the next ingest\n"
     "connects them again). See docs/ingest.md.\n"},
    {"prices", cmd_prices, "import daily USD prices; show a day's price or what is stored",
     "usage: chaintrail [--db PATH] prices import FILE --asset A [--column C]\n"
     "       chaintrail [--db PATH] prices show [--asset A [--date YYYY-MM-DD]]\n"
     "                                          [--format text|json]\n"
     "\n"
     "import  reads a daily price CSV into the database (created if missing): a header with\n"
     "        a Date column (YYYY-MM-DD, UTC days) and the price column, found by name:\n"
     "        A_USD (typedcypher: Date,BTC_USD,BTC_EUR,...), else Close (Yahoo Finance:\n"
     "        Date,Open,High,Low,Close,Adj Close,Volume). Prices are decimal text stored as\n"
     "        integer cents, rounded half up on the third decimal (465.864014 -> 465.86).\n"
     "        Every row is checked before anything is written: a bad date, a negative,\n"
     "        empty, non-decimal or overflowing price, a wrong number of fields, or a day\n"
     "        given twice with two prices stops the import (exit 3, FILE:LINE named).\n"
     "        A day already stored keeps its price: another price for it is a conflict,\n"
     "        listed on stderr (exit 3). Importing the same file again changes nothing.\n"
     "show    with --asset and --date: that day's price, or 'no price' (exit 8); with\n"
     "        --asset: the days stored and their range; alone: every asset, every imported\n"
     "        file, and the digest of the price table.\n"
     "\n"
     "  --asset A     BTC, ETH, ... (any case; stored uppercase)\n"
     "  --column C    import: the price column, when the name is not A_USD or Close\n"
     "  --date D      show: the UTC day, YYYY-MM-DD\n"
     "  --format F    show: text (default) or json\n"
     "\n"
     "Exit status: 0 done; 2 bad command line; 3 the file was rejected, or some days\n"
     "conflicted; 4 corrupt database; 5 unreadable file or no database at PATH (show);\n"
     "6 locked; 8 no price for that day or asset. See docs/prices.md.\n"},
    {"case", cmd_case, "record an investigation (theft date, victim, sources) and list them",
     "usage: chaintrail [--db PATH] case add NAME --date YYYY-MM-DD --from SOURCE\n"
     "                                       [--from SOURCE...] [--victim TEXT] [--replace]\n"
     "       chaintrail [--db PATH] case list [--format text|json]\n"
     "       chaintrail [--db PATH] case show NAME [--format text|json]\n"
     "       chaintrail [--db PATH] case rm NAME\n"
     "\n"
     "A case names an investigation for the tracer and the reports: the UTC day of the\n"
     "theft, the victim, and where the stolen funds start. NAME is 1 to 64 of A-Z a-z 0-9\n"
     "and . _ -. Each SOURCE is an address (any Bitcoin network), a TXID (64 hex digits:\n"
     "every output of that transaction) or TXID:VOUT (one output); they are checked for\n"
     "syntax and kept as written, in the order given.\n"
     "\n"
     "add     stores a case in an existing database (never creates one: a case names funds\n"
     "        of an ingested chain); an existing NAME is an\n"
     "        error unless --replace, which overwrites it and keeps its creation time\n"
     "list    every case, sorted by name (bytewise)\n"
     "show    one case with its sources\n"
     "rm      deletes a case\n"
     "\n"
     "  --date D      add: the day of the theft (UTC), YYYY-MM-DD\n"
     "  --from S      add: a source; repeat it for several (at most 10000)\n"
     "  --victim V    add: who was robbed (UTF-8 text, at most 256 bytes)\n"
     "  --replace     add: overwrite a case of the same name\n"
     "  --format F    list, show: text (default) or json (one object per line)\n"
     "\n"
     "Exit status: 0 done; 2 bad command line (a bad name, date or source, an existing\n"
     "case without --replace); 4 corrupt; 5 no database at PATH; 6 locked;\n"
     "8 no such case. See docs/cases.md.\n"},
    {"cluster", cmd_cluster, "address clusters: stats, the cluster of every address, rebuild",
     "usage: chaintrail [--db PATH] cluster stats [--format text|json]\n"
     "       chaintrail [--db PATH] cluster dump --format csv\n"
     "       chaintrail [--db PATH] cluster rebuild [--threshold N] [--detectors LIST] [--quiet]\n"
     "                                  [--no-settle]\n"
     "\n"
     "stats   clusters (of 2 or more addresses), the addresses in them, merges, flagged\n"
     "        merges (two clusters both above the policy's threshold: not merged), CoinJoins\n"
     "        per detector (they merge nothing), the largest clusters and the clustering\n"
     "        policy with its digest\n"
     "dump    one line 'address,cluster_id' per address of the database, in address-id\n"
     "        order, after the header line; streamed\n"
     "rebuild computes the clusters of the stored chain again (a database ingested without\n"
     "        them, or to change the policy); the same ids and rows as incremental clustering.\n"
     "        Progress on stderr every 1,000 blocks. Until it completes the database has no\n"
     "        clusters (an interrupted rebuild: run it again).\n"
     "\n"
     "  --threshold N      a merge of two clusters both larger than N addresses is flagged,\n"
     "                     not applied (default: the database's policy, else 100000)\n"
     "  --detectors LIST   CoinJoin detectors: all, none, or a comma-separated list of\n"
     "                     blocksci, wasabi1, wasabi2, whirlpool_tx0, whirlpool, joinmarket\n"
     "                     (default: the database's policy, else all)\n"
     "  --quiet            no progress and no summary\n"
     "  --no-settle        do not settle and compact the database at the end (later short\n"
     "                     commands then pay LevelDB's pending compaction)\n"
     "\n"
     "A cluster's id is the smallest address id among its members; an address in no\n"
     "cluster is its own (its id). 'chaintrail show cluster ADDRESS|ID' shows one cluster.\n"
     "\n"
     "Exit status: 0; 2 usage, or a database without clusters; 4 corrupt; 5 no database\n"
     "at PATH; 6 locked; 130 rebuild interrupted. See docs/clustering.md.\n"},
    {"help", cmd_help, "show help for chaintrail or one command",
     "usage: chaintrail help [COMMAND]\n"
     "\n"
     "Without COMMAND: the commands and the global options. With COMMAND: its usage, options\n"
     "and exit codes (the same as 'chaintrail COMMAND --help'). Exit status: 0; 2 COMMAND\n"
     "is not a command. See docs/cli.md.\n"},
    {"scan", cmd_scan, "screen customer addresses against the labels; store and print alerts",
     "usage: chaintrail scan --print-policy\n"
     "       chaintrail scan --customers FILE [--policy FILE] --check\n"
     "       chaintrail [--db PATH] scan --customers FILE [--policy FILE] [--full]\n"
     "                  [--no-clusters]\n"
     "                  [--format jsonl|csv|text] [-o PATH [--force]] [--fail-on SEVERITY]\n"
     "                  [--webhook URL --webhook-secret FILE [WEBHOOK OPTIONS]]\n"
     "       chaintrail [--db PATH] scan --deliver-only --webhook URL --webhook-secret FILE\n"
     "       chaintrail [--db PATH] scan --outbox\n"
     "\n"
     "  --customers FILE  CSV customer_id,address[,chain] with a header, or JSON lines\n"
     "  --policy FILE     the risk policy (JSON, or YAML when it does not start with '{');\n"
     "                    default: the one --print-policy prints\n"
     "  --print-policy    print the default risk policy and exit\n"
     "  --check           read and check both files, report bad rows, print a summary\n"
     "  --full            screen every customer for direct exposure (default: only those\n"
     "                    with new activity, unless the labels, policy, clustering,\n"
     "                    customer file or prices changed); indirect: always every one\n"
     "  --format F        jsonl (default), csv or text\n"
     "  -o PATH           write the alerts to PATH (temporary file, synced, renamed)\n"
     "  --force           replace an existing PATH (never a symbolic link)\n"
     "  --fail-on S       exit 10 when a new or updated alert is at or above S: SEVERE,\n"
     "                    HIGH (default), MEDIUM, LOW, or none (never)\n"
     "  --webhook URL     also POST each alert this run stores as new, updated or absent,\n"
     "                    signed (HMAC-SHA256), queued in the same write as the alerts;\n"
     "                    what is not delivered stays in the outbox for the next run\n"
     "  --webhook-secret FILE           the HMAC key (a file only its owner can read)\n"
     "  --webhook-attempts N            POSTs of one alert per run, 1-10 (default 4)\n"
     "  --webhook-backoff-ms MS         first retry wait, doubled, 0-60000 (default 500)\n"
     "  --webhook-connect-timeout-ms MS 10-60000 (default 5000)\n"
     "  --webhook-timeout-ms MS         one request, 10-300000 (default 10000)\n"
     "  --webhook-deadline-ms MS        the whole delivery, 100-3600000 (default 120000)\n"
     "  --deliver-only    send what the outbox holds, without scanning\n"
     "  --outbox          print the outbox (one JSON line per alert) and exit\n"
     "  --no-clusters     labels apply to their own address only, not to its cluster\n"
     "\n"
     "Without --check: screens the Bitcoin customers, direct (a labelled counterparty in the\n"
     "same transaction; the rows with new activity) and indirect (through unlabelled\n"
     "addresses within the policy's max_hops; every row, every run), with the amount per\n"
     "taint model and USD, stores the alerts in the database in one write (see\n"
     "'chaintrail alerts') and prints the run's alerts:\n"
     "each finding with its baseline (new, unchanged, updated) and those that became\n"
     "absent. Bad customer rows are reported as FILE:LINE and skipped.\n"
     "\n"
     "Exit status: 0 done; 10 a new or updated alert at or above --fail-on; 11 alerts left\n"
     "undelivered in the webhook outbox (10 wins when both apply); 2 bad option or policy;\n"
     "3 customer rows skipped, a bad customer header or a policy that is not JSON or YAML;\n"
     "4 corrupt; 5 a file cannot be read or written, or no database at PATH; 6 locked.\n"
     "See docs/scan.md.\n"},
    {"alerts", cmd_alerts, "list, show and decide the alerts stored by scan",
     "usage: chaintrail [--db PATH] alerts list [--state S] [--severity S] [--customer C]\n"
     "                                        [--format text|json|csv]\n"
     "       chaintrail [--db PATH] alerts show ID [--format text|json]\n"
     "       chaintrail [--db PATH] alerts set ID [--state S] [--note TEXT] --by NAME\n"
     "       chaintrail [--db PATH] alerts runs [--format text|json]\n"
     "\n"
     "list    the stored alerts in id order, filtered by state (open, in_review, escalated,\n"
     "        dismissed, resolved), severity (LOW, MEDIUM, HIGH, SEVERE) or customer id\n"
     "show    one alert and its history\n"
     "set     an analyst's decision: the new state and/or a note, by NAME; appended to the\n"
     "        history (UTC time, by, note, old and new state), never rewritten. A scan\n"
     "        never changes a state.\n"
     "runs    the record of every scan run: rows screened for direct and indirect\n"
     "        exposure and the counts of new, updated, unchanged and absent alerts\n"
     "\n"
     "Exit status: 0; 2 bad option, ID or note; 4 corrupt; 5 no database at PATH;\n"
     "6 locked; 8 no such alert. See docs/alerts.md.\n"},
    {"show", cmd_show, "show an address, a transaction, a block or a cluster of the database",
     "usage: chaintrail [--db PATH] show address ADDRESS [--txs] [--limit N] [--after CURSOR]\n"
     "                                   [--format json|text]\n"
     "       chaintrail [--db PATH] show tx TXID [--format json|text]\n"
     "       chaintrail [--db PATH] show block HEIGHT|HASH [--limit N] [--after TXID]\n"
     "                                   [--format json|text]\n"
     "       chaintrail [--db PATH] show cluster ADDRESS|ID [--addresses] [--limit N] [--after K]\n"
     "                                   [--format json|text]\n"
     "       chaintrail [--db PATH] show address|tx 0x... [--txs] [--limit N]  (Ethereum)\n"
     "       chaintrail [--db PATH] show block HEIGHT --chain ethereum\n"
     "\n"
     "Reads the graph database (one snapshot) and prints one object, as one line of JSON\n"
     "(default) or a readable listing (--format text).\n"
     "\n"
     "  address   totals (received, sent, balance in satoshi), transactions, first and last\n"
     "            seen, the linked address of the same key; ADDRESS is an address of the\n"
     "            database's network or script:<hex of the script> (outputs without one)\n"
     "  tx        inputs with the address and value of the output each spends, the fee,\n"
     "            outputs with the transaction and input that spend them\n"
     "  block     header, status in the header tree (main, side, orphan, invalid), txids\n"
     "  cluster   an address cluster (docs/clustering.md): its id, size, totals over its\n"
     "            members, first and last seen, every member's labels, the merge log\n"
     "            (--limit entries, default 100, after the first K), with --addresses its\n"
     "            members; ID is a cluster id (the smallest address id of its members)\n"
     "\n"
     "  --txs         address: also list its history (outputs received, inputs sent) in\n"
     "                chain order\n"
     "  --limit N     at most N history entries or txids (default: all), then 'next'\n"
     "  --after C     continue after C: the 'next' (or any entry's 'cursor') of a previous\n"
     "                page, TXID:out:N, TXID:in:N or a TXID; for a block, a txid of it\n"
     "  --format F    json (default) or text\n"
     "\n"
     "Exit status: 0 shown; 2 bad argument (an address with a bad checksum, a malformed\n"
     "txid or cursor); 4 the database is corrupt; 5 no database at PATH; 6 locked;\n"
     "8 not in the database. See docs/show.md.\n"},
    {"stats", cmd_stats, "print what the database holds (JSON)",
     "usage: chaintrail [--db PATH] stats [--format json|text]\n"
     "\n"
     "Prints the network, tip, and the number of blocks, transactions, inputs, outputs,\n"
     "unspent outputs and their value, addresses and unknown prevouts, from the counters\n"
     "the ingest keeps. JSON (default): {\"bitcoin\":{...}} on one line.\n"
     "\n"
     "Exit status: 0; 4 corrupt; 5 no database at PATH; 6 locked. See docs/stats.md.\n"},
    {"export", cmd_export, "write a graph file for Gephi, Neo4j, Graphviz, Cytoscape or CSV",
     "usage: chaintrail [--db PATH] export address ADDR --format F -o PATH [--hops N]\n"
     "                  [--direction in|out|both] [--max-nodes M]\n"
     "                  [--level address|tx|cluster] [--force]\n"
     "       chaintrail [--db PATH] export cluster ID|ADDR --format F -o PATH\n"
     "                  [--direction in|out|both] [--max-nodes M] [--force]\n"
     "       chaintrail [--db PATH] export trace --format F -o PATH [--force]\n"
     "                  [--level address|cluster] [trace options]\n"
     "\n"
     "export address writes the neighbourhood of a Bitcoin or Ethereum address: the address,\n"
     "the addresses (or transactions) within N hops of it, and the flows between them with\n"
     "their amounts, heights, times and transaction ids, labels and categories on the nodes.\n"
     "export cluster writes the members of a cluster (by id, or by one of its addresses) and\n"
     "the clusters that paid them or that they paid, with those payments.\n"
     "export trace runs a trace (the options of 'chaintrail help trace' but --format;\n"
     "forward or --backward, Bitcoin-family or Ethereum) and writes its flows: transactions\n"
     "(Ethereum: addresses), the endpoints where the taint stopped and the fees, an edge per\n"
     "output (Ethereum: per transfer) with the taint of each model.\n"
     "\n"
     "  --format F       graphml, gexf (1.3, with a timeline), dot, neo4j (a directory of\n"
     "                   import CSVs and a README), cytoscape (Cytoscape.js JSON), csv (a\n"
     "                   directory: nodes.csv and edges.csv)\n"
     "  -o, --output P   where to write; never through a symbolic link; written to a\n"
     "                   temporary file beside it, synced, then renamed into place\n"
     "  --force          replace P when it exists\n"
     "  --hops N         how many transaction steps from the address (default 1, at most 64)\n"
     "  --direction D    out: what it sent; in: what it received; both (default)\n"
     "  --max-nodes M    stop adding nodes at M (default 10000; dot: 1000, its maximum)\n"
     "  --level L        address (default): a node is an address; tx: a node is a\n"
     "                   transaction and an edge an output it spent (Bitcoin family only);\n"
     "                   cluster: a node is a cluster (Bitcoin family, clustering on)\n"
     "\n"
     "Exit status: 0; 2 bad option (dot above 1000 nodes, --level tx or cluster on Ethereum,\n"
     "no clusters); 4 corrupt;\n"
     "5 output exists (without --force), is a symbolic link, or cannot be written, or no\n"
     "database; 6 locked; 8 address not in the database. See docs/export.md.\n"},
    {"verify", cmd_verify, "check the database's invariants and print its content digest",
     "usage: chaintrail [--db PATH] verify [--format text|json] [--quick [--blocks N]]\n"
     "\n"
     "Walks the graph tables of one snapshot in key order and checks that they agree with\n"
     "each other: spend links and inputs point at each other, address totals equal their\n"
     "history, the counters equal the row counts, the tip is the highest block. Prints one\n"
     "line per check, the first violations with the key of the row at fault, and\n"
     "'digest HEX': SHA-256 of the main chain's rows (docs/storage.md), equal for two\n"
     "databases that hold the same chain however they were filled.\n"
     "\n"
     "  --format F    text (default) or json\n"
     "  --quick       check only the last blocks' rows (and the rows, links and totals\n"
     "                they name) and the counters against the last block: cheap enough\n"
     "                for every start of a job; no digest, Bitcoin tables only\n"
     "  --blocks N    the last N blocks for --quick (default 6)\n"
     "\n"
     "Exit status: 0 every invariant holds; 4 some do not (the database is corrupt);\n"
     "5 no database at PATH; 6 locked. See docs/verify.md.\n"},
    {"trace", cmd_trace, "follow stolen funds from flagged addresses or outputs",
     "usage: chaintrail [--db PATH] trace --from ADDR|TXID|TXID:VOUT [--from ...]\n"
     "                  [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--model all|M[,M...]]\n"
     "                  [--hops N] [--dust SAT] [--stop CATEGORIES] [--max-nodes N]\n"
     "                  [--timeout S] [--backward] [--flows] [--poison-flows]\n"
     "                  [--paths [--max-path-steps N]]\n"
     "                  [--group label|category|address|cluster] [--limit N]\n"
     "                  [--to ADDR [--to ...]]\n"
     "                  [--format json|text|csv|html [-o PATH [--force]]]\n"
     "\n"
     "Follows the value of the source outputs (every output of an address, a transaction,\n"
     "or one output) through the graph under five taint models at once: poison, haircut,\n"
     "fifo, lifo, tiho (docs/taint-models.md). Per model it reports the endpoints where the\n"
     "taint stopped (a labelled exchange, mixer, bridge...; unspent; the hop limit; dust; a\n"
     "budget), totals per category and the laundered amount; across models the range of\n"
     "laundered value, with poison as the exposure upper bound.\n"
     "Ethereum sources (0x addresses, 0x transaction hashes) are traced under the account\n"
     "model: one ledger per address and asset (ETH and every ERC-20 token), figures per asset\n"
     "in wei or token units; sources of both chains cannot be mixed in one trace.\n"
     "\n"
     "  --from S        a source: address (every output it received), txid (every output) or\n"
     "                  txid:vout; on Ethereum an address (every transfer it received, of\n"
     "                  every asset) or a transaction hash (its transfers); repeatable\n"
     "  --case NAME     trace the sources of a stored case (address sources from its date)\n"
     "  --since/--until the window of an address source's outputs (UTC days, inclusive)\n"
     "  --model M       all (default) or a comma-separated list of models\n"
     "  --hops N        outputs at hop N are not followed (default 10)\n"
     "  --dust SAT      taint below SAT (Ethereum: base units of the asset) stops as dust\n"
     "                  (default 0: none)\n"
     "  --stop CATS     categories that stop the trace (default\n"
     "                  exchange,mixer,bridge,gambling,sanctioned)\n"
     "  --max-nodes N   at most N transactions processed, N outputs waiting and N endpoints\n"
     "                  per model; then the rest is 'budget' and the result incomplete\n"
     "                  (default 2000000; 0: no bound)\n"
     "  --timeout S     stop after S seconds; the result is marked incomplete\n"
     "  --backward      walk spends in reverse: where did the sources' value come from?\n"
     "                  (Bitcoin only)\n"
     "  --flows         the flows: per model the taint carried along each output (each\n"
     "                  transfer on Ethereum) it followed, with totals per hop; poison's\n"
     "                  only as totals per hop\n"
     "  --poison-flows  --flows with poison's flows whole\n"
     "  --paths         every model's flows whole and, per endpoint, the flows into it: its\n"
     "                  evidence graph, linked through the transactions (Ethereum: the\n"
     "                  ledgers)\n"
     "  --max-path-steps N  with --paths: write nothing and exit 9 when the paths would\n"
     "                  hold more than N flows (default 1000000; 0: no guard)\n"
     "  --group G       per model, the endpoints summed per label, category, address or\n"
     "                  cluster (Bitcoin, when clusters are used)\n"
     "  --limit N       keep the N largest groups (or endpoints) and say what was left out\n"
     "  --to ADDR       connect: how much of the sources' value reached ADDR (and, with\n"
     "                  clusters, its cluster) per model, when, and along which flows;\n"
     "                  ADDR stops the trace like a stop category; repeatable\n"
     "  --no-clusters   a label applies to its own address only; by default, when the\n"
     "                  database has address clusters, a label on any member of a cluster\n"
     "                  applies to the whole cluster (stops and attribution; Bitcoin only)\n"
     "  --format F      json (default), text, csv or html: one self-contained page with\n"
     "                  the flow picture and the tables (docs/html.md)\n"
     "  -o, --output PATH  html: write it to PATH (never through a symbolic link) instead\n"
     "                  of standard output\n"
     "  --force         html: replace an existing PATH\n"
     "\n"
     "Exit status: 0 done (also when incomplete: see \"complete\"; also when a --to was not\n"
     "reached); 2 usage; 8 a source or --to address is not in the database; 9 --paths or\n"
     "--to above --max-path-steps (nothing written); 5/6/7/4 database problems.\n"
     "See docs/trace.md.\n"},
    {"version", cmd_version, "print the version",
     "usage: chaintrail version\n"
     "\n"
     "Prints 'chaintrail VERSION' (as --version does). Exit status: 0.\n"},
    {NULL, NULL, NULL, NULL},
};

const cli_command *cli_find(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void usage(FILE *f)
{
    fputs("usage: chaintrail [--db PATH] COMMAND [ARGS] (--db may also follow COMMAND)\n\n"
          "commands:\n",
          f);
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\n'chaintrail help COMMAND' shows the options of a command.\n", f);
}

/* --db PATH or --db=PATH at argv[j]: sets *path and returns how many arguments it took
 * (1 or 2), 0 when argv[j] is something else, -1 after a usage error. */
static int db_option(int argc, char **argv, int j, const char **path)
{
    const char *a = argv[j];
    if (strcmp(a, "--db") == 0) {
        if (j + 1 >= argc || argv[j + 1][0] == '\0') {
            cli_error(NULL, "option '--db' needs a path");
            return -1;
        }
        *path = argv[j + 1];
        return 2;
    }
    if (strncmp(a, "--db=", 5) == 0) {
        if (!a[5]) {
            cli_error(NULL, "option '--db' needs a path");
            return -1;
        }
        *path = a + 5;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_global g = {NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        int took = db_option(argc, argv, i, &g.db_path);
        if (took < 0)
            return CT_EXIT_USAGE;
        if (took) {
            i += took - 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CT_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("chaintrail %s\n", ct_version());
            return CT_EXIT_OK;
        } else {
            cli_error(NULL, "unknown option '%s'", a);
            return CT_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CT_EXIT_USAGE;
    }
    const cli_command *cmd = cli_find(argv[i]);
    if (!cmd) {
        cli_error(NULL, "'%s' is not a command; see 'chaintrail help'", argv[i]);
        return CT_EXIT_USAGE;
    }
    /* --db is global, like git's -C, but may also come after the command name, anywhere
     * before a "--" (the last one given counts): it is taken out of the command's
     * arguments. */
    int n = i + 1;
    for (int j = i + 1; j < argc; j++) {
        if (strcmp(argv[j], "--") == 0) {
            while (j < argc)
                argv[n++] = argv[j++];
            break;
        }
        int took = db_option(argc, argv, j, &g.db_path);
        if (took < 0)
            return CT_EXIT_USAGE;
        if (took) {
            j += took - 1;
            continue;
        }
        argv[n++] = argv[j];
    }
    argv[n] = NULL;
    if (!g.db_path) {
        const char *env = getenv("CHAINTRAIL_DB");
        g.db_path = env && *env ? env : "./chaintrail.db";
    }
    int rc = cmd->run(n - i, argv + i, &g);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(cmd->name, "cannot write the output");
        return CT_EXIT_IO;
    }
    return rc;
}
