/* chaintrail: theft tracing for Bitcoin and Ethereum. Umbrella header of the public API.
 *
 * Conventions of the whole API:
 * - Everything exported is ct_* / CT_*. Fallible functions return int: CT_OK (0) or a
 *   negative CT_E* code, and are marked warn_unused_result.
 * - Argument order: the handle or object written, then outputs, then inputs, then options,
 *   then a caller-owned ct_error* (may be NULL) that receives reason and position.
 * - Ownership: *out objects belong to the caller and are freed with the matching ct_*_free;
 *   returned const pointers are borrowed until the event their comment names.
 * - Lifecycle words: _init/_release for structs the caller owns, _new/_free (or _open/_free)
 *   for heap objects.
 */
#ifndef CHAINTRAIL_H
#define CHAINTRAIL_H

#include "chaintrail/error.h"
#include "chaintrail/bitcoin.h"
#include "chaintrail/db.h"
#include "chaintrail/graph.h"
#include "chaintrail/cluster.h"
#include "chaintrail/trace.h"
#include "chaintrail/prices.h"
#include "chaintrail/report.h"
#include "chaintrail/cases.h"
#include "chaintrail/labels.h"
#include "chaintrail/scan.h"
#include "chaintrail/u256.h"
#include "chaintrail/account.h"
#include "chaintrail/acct_trace.h"
#include "chaintrail/ethereum.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/ethrpc.h"
#include "chaintrail/chains.h"
#include "chaintrail/export.h"
#include "chaintrail/deliver.h"
#include "chaintrail/version.h"

#endif
