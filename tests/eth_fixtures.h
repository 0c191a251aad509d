/* The Ethereum fixtures that several test programs read (paths relative to fixtures/; see
 * fixtures/eth/ for their sources and licenses): trin's block bodies and ethereum-etl's
 * stream test of blocks 1,755,634 and 1,755,635 with the receipts of 1,755,635's two
 * transactions. */
#ifndef CT_TEST_ETH_FIXTURES_H
#define CT_TEST_ETH_FIXTURES_H

#define TRIN   "eth/trin/"
#define STREAM "eth/ethereum-etl/test_stream/blocks_1755634_1755635/"
#define B634   STREAM "web3_response.eth_getBlockByNumber_0x1ac9f2_true.json"
#define B635   STREAM "web3_response.eth_getBlockByNumber_0x1ac9f3_true.json"
#define R635A                                                                                      \
    STREAM "web3_response.eth_getTransactionReceipt_"                                              \
           "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d.json"
#define R635B                                                                                      \
    STREAM "web3_response.eth_getTransactionReceipt_"                                              \
           "0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb.json"

#endif
