/* The label store's lookups for the tracers (engine/utxo, engine/account): a reader on a
 * snapshot the caller holds, and the walk over labelled addresses. The import's reader
 * interface is label_rows.h. Not public. */
#ifndef CT_LABELS_INTERNAL_H
#define CT_LABELS_INTERNAL_H

#include "chaintrail/labels.h"
#include "store/store.h"

/* A lookup reader on a snapshot the caller holds (the tracer reads the graph and the labels
 * through one snapshot). snap may be NULL: the reader then takes its own. */
int ct_labels_reader_new_at(ct_labels_reader **out, ct_db *db, const ct_store_snapshot *snap,
                            ct_error *err);

/* Calls fn once for each address that has a label, in key order, with normal true when
 * the address is its own lookup form (ct_labels_reader_get of that string reads its rows;
 * always so for a stored address unless the normalization rules changed). fn returns
 * CT_OK to go on, or an error code that stops the walk and is returned (its message is
 * fn's to write). The tracer loads the labelled addresses once per trace with it. */
int ct_labels_reader_addresses(ct_labels_reader *r,
                               int (*fn)(void *arg, const char *address, bool normal), void *arg,
                               ct_error *err);

#endif
